"""The repository is self-contained: nothing cites the design document it no longer ships.

Code and docs once cited sections of a design document outside the repository; what a
reader needs from it lives in docs/ (architecture.md, flow.md, dmcfg.md).
"""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CITATION = "DESIGN" + " §"      # spelt in two parts so this file does not cite it


def _repo_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO, capture_output=True, check=True, timeout=60).stdout
    return [REPO / name for name in out.decode("utf-8").split("\0") if name]


def test_no_file_cites_the_external_design_document() -> None:
    files = _repo_files()
    assert any(p.name == "flow.py" for p in files)          # the listing is the repository
    citing = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue                                          # binary or gone: not prose
        for number, line in enumerate(text.splitlines(), 1):
            if CITATION in line:
                citing.append("%s:%d" % (path.relative_to(REPO), number))
    assert not citing, "cite docs/ instead: %s" % citing
