"""Library defects the HIL suite has found and that are not fixed yet.

Each entry turns (test, dialect) into a strict xfail: the run stays green and the
report says "xfailed" with the reason, and the day the library is fixed the test
XPASSes, which strict mode turns into a failure so the entry gets removed. Nothing
here hides a failure: an unexpected one still fails the run.
"""

# (test function name, dialect) -> why it fails today
KNOWN: dict[tuple[str, str], str] = {}


def known_issue(test_name: str, dialect: str | None) -> str | None:
    return KNOWN.get((test_name, dialect or ""))
