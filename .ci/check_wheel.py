"""Check that a built me-lib wheel carries what an installed package needs.

    python .ci/check_wheel.py dist/me_lib-X-py3-none-any.whl

Run by `.ci/other_pythons.sh` (`make test`) on the wheel it builds: a file that only a
checkout has (scenario files, the typing marker, ...) would make the installed
package fail where the tests, which run from the checkout, pass.
"""

import sys
import zipfile

# (path inside the wheel, or a prefix ending in "/", why it must be there)
REQUIRED = (
    ("me_lib/__init__.py", "the package"),
    ("me_lib/py.typed", "PEP 561: mypy uses the inline types of the installed package"),
    ("me_lib/sim/scenarios/default.toml", "sim://default, `me-lib demo`"),
    ("me_lib/sim/profiles/", "the simulated cards' profiles"),
    ("firmware_shim/deploy.py", "python -m firmware_shim.deploy from an installed package"),
    ("firmware_shim/manifest.txt", "what firmware_shim.deploy compiles and copies"),
    ("firmware_shim/main.py", "the board's boot script (deploy --main)"),
)
# the licence travels with the package (PEP 639: dist-info/licenses/)
LICENCE_SUFFIX = ".dist-info/licenses/LICENSE"


def missing(names: list[str]) -> list[str]:
    """The REQUIRED entries (with why) that `names` lacks."""
    out = []
    for path, why in REQUIRED:
        if path.endswith("/"):
            ok = any(n.startswith(path) and len(n) > len(path) for n in names)
        else:
            ok = path in names
        if not ok:
            out.append("%s (%s)" % (path, why))
    return out


def main(argv: list[str]) -> int:
    with zipfile.ZipFile(argv[1]) as whl:
        names = whl.namelist()
    lost = missing(names)
    if not any(n.endswith(LICENCE_SUFFIX) for n in names):
        lost.append("*%s (the Apache-2.0 licence text)" % LICENCE_SUFFIX)
    for entry in lost:
        print("wheel lacks " + entry)
    if lost:
        print("fix [tool.setuptools] in pyproject.toml")
        return 1
    print("== pythons: wheel has its %d required entries" % len(REQUIRED))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
