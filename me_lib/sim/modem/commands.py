"""Server-side V.250 command-line parsing and the reply model.

This is the modem's side of the wire, written independently of me_lib.at (the
host's side) so that each can catch the other's mistakes. A command line
`AT<cmd>[;<cmd>...]` is split into `Command`s (basic commands like `E0`, `&F`,
`S0=1`, `I9`; extended commands `+NAME`, `#NAME`, `%NAME`, `$NAME`, `^NAME` in
their exec/set/read/test forms). Handlers answer with a `Reply`, or raise
`AtFail` for an error final that the core renders according to `+CMEE`.
"""

from collections.abc import Callable
from typing import NamedTuple

EXTENDED_MARKS = "+#%$^*"
_NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!%-./:_")


class Command(NamedTuple):
    """One command of a command line."""

    name: str   # upper case: "+CGDCONT", "#SD", "%XICCID", "E", "&F", "I", "S0", "D"
    kind: str   # "exec" | "set" | "read" | "test"
    args: str   # raw text after '=' (set), digits for basic commands, "" otherwise
    text: str   # this command as the host wrote it, without "AT" (fault matching, logs)


class AtFail(Exception):
    """A command failed: `code` is a +CME error number, None for a plain ERROR."""

    def __init__(self, code: int | None = None, text: str | None = None) -> None:
        super().__init__("CME %s" % code if code is not None else "ERROR")
        self.code = code
        self.text = text


class Final(NamedTuple):
    """A final result: kind "OK", "ERROR", "CME" (code) or "RAW" (text printed verbatim)."""

    kind: str
    code: int | None = None
    text: str = ""


OK = Final("OK")
ERROR = Final("ERROR")


def raw_final(text: str) -> Final:
    """A vendor final line such as `SEND OK` (printed as-is in both ATV modes)."""
    return Final("RAW", None, text)


class Prompt(NamedTuple):
    """The command waits for payload bytes after printing `text` ("> " or "@").

    `length` bytes are collected, or up to Ctrl-Z when length is None (ESC
    cancels); then `on_data(payload)` produces the rest of the reply.
    """

    text: str
    length: int | None
    on_data: "Callable[[bytes], Reply]"
    echo: bool = False      # the module echoes the payload (Quectel with AT+QISDE=1)


class DataMode(NamedTuple):
    """The command switched the UART to a raw data mode (nRF91 SLM `slm_data_mode`).

    Nothing is printed on entry. Every byte the host writes is payload, with no
    echo; `on_data(chunk)` is called for what arrived once the line has been idle
    for `flush_after` virtual seconds (the SLM sends what its UART gave it, it
    does not wait for the end), and returns False when sending failed, which
    ends data mode with ERROR. `terminator` ends data mode with OK when it
    arrives alone, after and followed by `silence` seconds without input (the
    SLM guard time; 0 disables it); the same bytes inside data are payload.
    """

    on_data: "Callable[[bytes], bool]"
    terminator: bytes = b"+++"
    silence: float = 1.0
    flush_after: float = 0.02


class Pending(NamedTuple):
    """The final result is not known yet (e.g. waiting for registration or data).

    The core calls `check()` on every tick until it returns a Reply, or calls
    `on_timeout()` once virtual time reaches `deadline`.
    """

    check: "Callable[[], Reply | None]"
    deadline: float
    on_timeout: "Callable[[], Reply]"


class Reply:
    """What a command answers: information lines, then a final result (or a prompt).

    `delay` is the virtual time the module takes before answering. `raw` is a
    byte payload printed after the information lines (e.g. +QIRD data). `after`
    callbacks run once the final result has been printed (e.g. schedule an URC
    or a reboot), so effects happen in the order a real module shows them.
    `datamode` (with final=None) switches the UART to raw data until its
    terminator; the final result comes when data mode ends.
    """

    def __init__(self, lines: list[str] | None = None, final: Final | None = OK,
                 delay: float = 0.0, raw: bytes = b"", prompt: Prompt | None = None,
                 pending: Pending | None = None,
                 after: "list[Callable[[], None]] | None" = None,
                 blank_between: bool = False, datamode: DataMode | None = None) -> None:
        self.lines = lines or []
        self.final = final
        self.delay = delay
        self.raw = raw
        self.prompt = prompt
        self.pending = pending
        self.after = after or []
        self.blank_between = blank_between
        self.datamode = datamode


def parse_line(body: str) -> list[Command] | None:
    """Split the text after "AT" into commands; None when the syntax is invalid."""
    cmds: list[Command] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c in " ;":
            i += 1
            continue
        start = i
        if c in EXTENDED_MARKS:
            j = i + 1
            while j < n and body[j].upper() in _NAME_CHARS:
                j += 1
            name = body[i:j].upper()
            if len(name) < 2:
                return None
            if body.startswith("=?", j):
                kind, args, j = "test", "", j + 2
            elif body.startswith("?", j):
                kind, args, j = "read", "", j + 1
            elif body.startswith("=", j):
                k = j + 1
                quoted = False
                while k < n and (quoted or body[k] != ";"):
                    if body[k] == '"':
                        quoted = not quoted
                    k += 1
                if quoted:
                    return None
                kind, args, j = "set", body[j + 1:k], k
            else:
                kind, args = "exec", ""
            rest = body[j:].lstrip(" ")
            if rest and not rest.startswith(";"):
                return None
            cmds.append(Command(name, kind, args, body[start:j]))
            i = j
            continue
        up = c.upper()
        if up == "D":
            cmds.append(Command("D", "exec", body[i + 1:], body[i:]))
            return cmds
        if up == "S" and i + 1 < n and body[i + 1].isdigit():
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            name = "S" + str(int(body[i + 1:j]))
            if body.startswith("=?", j):
                cmds.append(Command(name, "test", "", body[start:j + 2]))
                i = j + 2
            elif body.startswith("?", j):
                cmds.append(Command(name, "read", "", body[start:j + 1]))
                i = j + 1
            elif body.startswith("=", j):
                k = j + 1
                while k < n and body[k].isdigit():
                    k += 1
                cmds.append(Command(name, "set", body[j + 1:k], body[start:k]))
                i = k
            else:
                return None
            continue
        if up == "&" or up.isalpha():
            j = i + 1
            if up == "&":
                if j >= n or not body[j].isalpha():
                    return None
                j += 1
            name = body[i:j].upper()
            k = j
            while k < n and body[k].isdigit():
                k += 1
            if body.startswith("?", k):
                cmds.append(Command(name, "read", "", body[start:k + 1]))
                i = k + 1
            else:
                cmds.append(Command(name, "exec", body[j:k], body[start:k]))
                i = k
            continue
        return None
    return cmds


def set_args(cmd: Command) -> list[str | None]:
    """The arguments of a command only its set form (`AT+X=...`) has; any other form
    (`AT+X?`, `AT+X=?`, `AT+X`) is refused with a plain ERROR, as modules do."""
    if cmd.kind != "set":
        raise AtFail(None)
    return split_args(cmd.args)


def split_args(args: str) -> list[str | None]:
    """Split `a,"b,c",,d` into ['a', 'b,c', None, 'd']: quotes removed, empty -> None.

    Commas inside quotes or parentheses do not split. Surrounding spaces go.
    """
    out: list[str | None] = []
    if args.strip() == "":
        return out
    cur: list[str] = []
    quoted = False
    was_quoted = False
    closed = False          # after a closing quote: only spaces may follow
    depth = 0
    for ch in args:
        if ch == '"' and not closed:
            if not quoted and not was_quoted:
                cur = [] if "".join(cur).strip() == "" else cur
            quoted = not quoted
            was_quoted = True
            closed = not quoted
            continue
        if not quoted:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(0, depth - 1)
            elif ch == "," and depth == 0:
                out.append(_field("".join(cur), was_quoted))
                cur = []
                was_quoted = closed = False
                continue
            if closed and ch.isspace():
                continue
        cur.append(ch)
    out.append(_field("".join(cur), was_quoted))
    return out


def _field(text: str, was_quoted: bool) -> str | None:
    if was_quoted:
        return text
    text = text.strip()
    return text if text else None


def arg_int(values: list[str | None], index: int, default: int | None = None,
            lo: int = 0, hi: int = 0x7FFFFFFF) -> int:
    """Integer argument `index`, or `default` when absent; otherwise +CME ERROR: 50."""
    value = values[index] if index < len(values) else None
    if value is None:
        if default is None:
            raise AtFail(50)
        return default
    try:
        number = int(value.strip(), 10)
    except ValueError:
        raise AtFail(50) from None
    if not lo <= number <= hi:
        raise AtFail(50)
    return number


def arg_str(values: list[str | None], index: int, default: str | None = None) -> str:
    """String argument `index` (quotes removed), or `default`; otherwise +CME ERROR: 50."""
    value = values[index] if index < len(values) else None
    if value is None:
        if default is None:
            raise AtFail(50)
        return default
    return value
