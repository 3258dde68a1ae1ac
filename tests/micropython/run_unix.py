"""The portable tests on MicroPython's unix port: `micropython run_unix.py TEST_DIR [NAME ...]`.

The import path must already hold the staged manifest (cwd or MICROPYPATH);
exits 1 when a test fails, a module does not import, or no test was found.
"""

import sys

from portable_runner import run

if __name__ == "__main__":
    _passed, _failed = run(sys.argv[1], sys.argv[2:])
    sys.exit(1 if _failed else 0)
