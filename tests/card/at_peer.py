"""A scripted fake modem on a real pty, for the +CRSM/+CSIM/+CGLA back ends.

Why a pty and a thread rather than `loop://`: the driver must meet what a
serial modem does, echo included, through the same pyserial + AtChannel code
path it uses in the field. The peer answers each command line either from a
script of (expected command, answer lines) pairs, checked in order, or from a
responder function (e.g. one that passes APDUs to a VirtualCard). Every
command received is recorded so tests can assert the exact lines sent.

Every wait is bounded: the serving thread polls with a short select timeout
and stops on `close()`.
"""

import os
import select
import threading
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from me_lib.at import AtChannel

Responder = Callable[[str], list[str]]


class ScriptedModem:
    """Serve `script` [(command, [answer lines..., final])] or `responder(command)`."""

    def __init__(self, script: list[tuple[str, list[str]]] | None = None,
                 responder: Responder | None = None, echo: bool = True) -> None:
        self.script = list(script or [])
        self.responder = responder
        self.echo = echo
        self.received: list[str] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._serve, name="at-peer", daemon=True)
        self._thread.start()

    def _answer(self, command: str) -> list[str]:
        if self.responder is not None:
            return self.responder(command)
        if not self.script:
            self.errors.append("unexpected command %r (script exhausted)" % command)
            return ["ERROR"]
        expected, lines = self.script.pop(0)
        if command != expected:
            self.errors.append("expected %r, got %r" % (expected, command))
            return ["ERROR"]
        return lines

    def _serve(self) -> None:
        buf = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            buf += chunk
            while b"\r" in buf:
                raw, buf = buf.split(b"\r", 1)
                command = raw.decode("ascii", "replace").strip()
                if not command:
                    continue
                self.received.append(command)
                out = (command + "\r") if self.echo else ""
                for line in self._answer(command):
                    out += "\r\n" + line + "\r\n"
                os.write(self._master, out.encode("ascii"))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def check(self) -> None:
        """Fail on any mismatch and on script lines never asked for."""
        assert not self.errors, self.errors
        assert not self.script, "commands never sent: %r" % [c for c, _ in self.script]


@contextmanager
def modem(script: list[tuple[str, list[str]]] | None = None,
          responder: Responder | None = None,
          echo: bool = True) -> Iterator[tuple[ScriptedModem, AtChannel]]:
    """A ScriptedModem and an AtChannel opened on its pty; both closed afterwards."""
    peer = ScriptedModem(script, responder, echo)
    channel = AtChannel.open(peer.path)
    try:
        yield peer, channel
    finally:
        channel.close()
        peer.close()


class CardModem:
    """A responder passing +CSIM/+CCHO/+CGLA/+CCHC to a card's `transmit`, with quirks.

    `ccho_form` formats the session id answer ("+CCHO: {}", "{}" bare, ...);
    `session_ids` maps channel numbers to the handles the modem shows (Sierra
    style hex handles); lower-case hex in a +CSIM command is refused like on
    Sierra EM7565; a CLA with channel bits set in +CGLA is recorded as a misuse.
    """

    def __init__(self, transmit: Callable[[bytes], bytes], ccho_form: str = "+CCHO: {}",
                 session_ids: dict[int, str] | None = None, lower: bool = False) -> None:
        self.transmit = transmit
        self.ccho_form = ccho_form
        self.session_ids = session_ids or {}
        self.lower = lower
        self.sessions: dict[str, int] = {}
        self.misuse: list[str] = []
        self.closed: list[str] = []

    def _hexarg(self, text: str) -> bytes | None:
        raw = text.strip().strip('"')
        if raw != raw.upper():
            return None
        return bytes.fromhex(raw)

    def _resp(self, prefix: str, resp: bytes) -> list[str]:
        h = resp.hex()
        h = h if self.lower else h.upper()
        return ['%s: %d,"%s"' % (prefix, len(h), h), "OK"]

    def __call__(self, command: str) -> list[str]:
        head, _, args = command.partition("=")
        fields = args.split(",")
        if head == "AT+CSIM":
            apdu = self._hexarg(fields[1])
            if apdu is None or int(fields[0]) != len(apdu) * 2:
                return ["ERROR"]
            return self._resp("+CSIM", self.transmit(apdu))
        if head == "AT+CCHO":
            aid = bytes.fromhex(args.strip('"'))
            opened = self.transmit(bytes.fromhex("0070000001"))
            if opened[-2:] != b"\x90\x00":
                return ["+CME ERROR: 4"]
            channel = opened[0]
            sel = self.transmit(bytes((channel, 0xA4, 0x04, 0x0C, len(aid))) + aid)
            if sel[-2:] != b"\x90\x00":
                self.transmit(bytes((0x00, 0x70, 0x80, channel)))
                return ["+CME ERROR: 22"]
            sid = self.session_ids.get(channel, str(channel))
            self.sessions[sid] = channel
            return [self.ccho_form.format(sid), "OK"]
        if head == "AT+CGLA":
            sid = fields[0]
            if sid not in self.sessions:
                return ["+CME ERROR: 21"]
            apdu = self._hexarg(fields[2])
            if apdu is None or int(fields[1]) != len(apdu) * 2:
                return ["ERROR"]
            if apdu[0] & 0x03:
                self.misuse.append(command)
            cla = apdu[0] | self.sessions[sid]
            return self._resp("+CGLA", self.transmit(bytes((cla,)) + apdu[1:]))
        if head == "AT+CCHC":
            if args not in self.sessions:
                return ["+CME ERROR: 21"]
            channel = self.sessions.pop(args)
            self.transmit(bytes((0x00, 0x70, 0x80, channel)))
            self.closed.append(args)
            return ["OK"]
        return ["ERROR"]


class CrsmCardModem(CardModem):
    """CardModem plus an MT-style +CRSM: it does the SELECTs itself (by path from the MF).

    `path_forms` lists the `<pathid>` forms this firmware accepts ("mf" =
    "3F007FFF", "no_mf" = "7FFF", "none" = absent); others get +CME ERROR: 4.
    `gr_needs_max`: GET RESPONSE without P3 = 255 answers 6700 (Huawei/SIMCom).
    The MT runs T=0 itself: 61xx and (GSM cards, TS 51.011) 9Fxx get a GET
    RESPONSE, 6Cxx a re-send. `report_procedure`: the answer carries the card's
    61xx/9Fxx next to the data fetched (`+CRSM: 159,10,"..."`, as some modems
    report 2G-style cards); `raw_6c`: a 6Cxx is reported instead of re-sent.
    """

    def __init__(self, transmit: Callable[[bytes], bytes],
                 path_forms: tuple[str, ...] = ("mf", "no_mf", "none"),
                 gr_needs_max: bool = False, report_procedure: bool = False,
                 raw_6c: bool = False, **kw: object) -> None:
        super().__init__(transmit, **kw)  # type: ignore[arg-type]
        self.path_forms = path_forms
        self.gr_needs_max = gr_needs_max
        self.report_procedure = report_procedure
        self.raw_6c = raw_6c
        self._procedure = b""

    def _t0(self, apdu: bytes, report: bool = True) -> bytes:
        resp = self.transmit(apdu)
        data = b""
        self._procedure = b""
        for _ in range(8):
            if resp[-2] not in (0x61, 0x9F):
                break
            self._procedure = self._procedure or resp[-2:]
            data += resp[:-2]
            resp = self.transmit(bytes((0, 0xC0, 0, 0, resp[-1])))
        if resp[-2] == 0x6C and not self.raw_6c:
            resp = self.transmit(apdu[:4] + resp[-1:])
        if report and self.report_procedure and self._procedure and resp[-2:] == b"\x90\x00":
            resp = resp[:-2] + self._procedure
        return data + resp

    def __call__(self, command: str) -> list[str]:
        if not command.startswith("AT+CRSM="):
            return super().__call__(command)
        f = [x.strip('"') for x in command[8:].split(",")] + [""] * 7
        cmd, fid = int(f[0]), int(f[1])
        p1, p2, p3 = (int(x) if x else None for x in f[2:5])
        data, path = f[5], f[6].upper()
        form = "none" if not path else ("mf" if path.startswith("3F00") else "no_mf")
        if form not in self.path_forms:
            return ["+CME ERROR: 4"]
        fids = path[4:] if path.startswith("3F00") else path
        target = bytes.fromhex(fids) + fid.to_bytes(2, "big")
        if form == "none":
            sel = bytes((0, 0xA4, 0x00, 0x04, 2)) + fid.to_bytes(2, "big")
        else:
            sel = bytes((0, 0xA4, 0x08, 0x04, len(target))) + target
        fcp = self._t0(sel, report=False)
        if fcp[-2:] != b"\x90\x00":
            return ["+CRSM: %d,%d" % (fcp[-2], fcp[-1]), "OK"]
        if cmd == 192:
            if self.gr_needs_max and p3 != 255:
                return ["+CRSM: 103,0", "OK"]
            resp = fcp
            if self.report_procedure and self._procedure:
                resp = fcp[:-2] + self._procedure
        elif cmd in (176, 178):
            ins = 0xB0 if cmd == 176 else 0xB2
            resp = self._t0(bytes((0, ins, p1 or 0, p2 or 0, p3 or 0)))
        elif cmd in (214, 220):
            body = bytes.fromhex(data)
            ins = 0xD6 if cmd == 214 else 0xDC
            resp = self.transmit(bytes((0, ins, p1 or 0, p2 or 0, len(body))) + body)
        else:
            return ["+CME ERROR: 4"]
        return ['+CRSM: %d,%d,"%s"' % (resp[-2], resp[-1], resp[:-2].hex().upper()), "OK"]
