"""Print an AT trace (me_lib.at.trace format) as a readable transcript.

    python -m hil.trace hil-traces/test_30_provision.test_rerun_writes_nothing-bg96.jsonl

One line per record: time on the channel's clock (virtual on the simulator),
`>>` for what the host wrote, `<<` for what the modem sent, bytes shown with
CR/LF made visible. The file itself stays byte-exact for `replay://`.
"""

import sys

from me_lib.at.trace import read_trace


def render(data: bytes) -> str:
    text = data.decode("latin-1")
    return text.replace("\r", "\\r").replace("\n", "\\n")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    header, records = read_trace(argv[0])
    print("# port %s, started %s" % (header.get("port", "?"), header.get("started", "?")))
    for t, direction, data in records:
        print("%10.3f %s %s" % (t, ">>" if direction == "tx" else "<<", render(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
