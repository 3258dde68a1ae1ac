"""The MT's side of the UICC: +CPIN, +CIMI, ICCID, +CRSM, +CSIM, logical channels, REFRESH.

The simulated modem reaches its card only through `transmit(apdu)`, exactly
like a real MT over ISO 7816 T=0: +CRSM does the SELECTs itself (by path from
the MF, with GET RESPONSE after 61xx or a GSM card's 9Fxx and a re-send after
6Cxx; `crsm_sw9f` scenarios report data as `+CRSM: 159,<len>,...`), +CSIM passes an
APDU through (raw 61xx on modules that do so), +CCHO opens a logical channel
with MANAGE CHANNEL and SELECT by AID. Per-dialect quirks (quoting, case, the
GET RESPONSE 0,0,255 rule, Telit's stray `+CRSM: 0`) come from the dialect table.
"""

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    Reply,
    arg_int,
    arg_str,
    set_args,
    split_args,
)

if TYPE_CHECKING:
    from me_lib.sim.modem.host import Host

USIM_AID_PREFIX = bytes.fromhex("A0000000871002")


class CardLike(Protocol):
    """What the modem needs from a card (me_lib.sim.card.VirtualCard satisfies it)."""

    def transmit(self, apdu: bytes) -> bytes: ...

    def reset(self) -> bytes: ...

    @property
    def iccid(self) -> str: ...

    @property
    def imsi(self) -> str: ...

    def update_file(self, path_hex: str, data: bytes, record: int | None = None) -> None: ...


def load_card(path: Path, pin: str | None = None, puk: str | None = None) -> CardLike:
    """Build a VirtualCard from a profile; `pin` enables PIN1 with that value."""
    from me_lib.sim.card import VirtualCard
    from me_lib.sim.modem.scenario import ScenarioError

    try:
        if pin is None:
            return VirtualCard.from_profile(path)
        with open(path, "rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
        card = dict(data.get("card", {}))
        card["pin1"] = pin
        card["pin1_enabled"] = True
        if puk:
            card["puk1"] = puk
        data["card"] = card
        return VirtualCard.from_dict(data)
    except ScenarioError:
        raise
    except Exception as exc:   # a bad profile is a scenario error, with the reason
        raise ScenarioError("cannot load card profile %s: %s" % (path, exc)) from None


def _sw(resp: bytes) -> int:
    return (resp[-2] << 8) | resp[-1] if len(resp) >= 2 else 0x6F00


class SimAccess:
    """SIM state of one SimModem and the AT commands that reach the card."""

    def __init__(self, modem: "Host", card: CardLike | None) -> None:
        self.m = modem
        scenario = modem.scenario
        if card is None and scenario.card.lower() != "none":
            card = load_card(scenario.card_path(), scenario.pin, scenario.puk)
        self.card: CardLike | None = card
        self.busy_until = 0.0
        self.initialised = False
        self.stray_pending = False
        self.usimstat = 0
        self.channels: set[int] = set()
        self._select_fcp = b""

    # ------------------------------------------------------------ life cycle

    def on_power_up(self) -> None:
        self.initialised = False
        self.busy_until = float("inf")
        self.channels = set()

    def start_init(self) -> None:
        """The AT interpreter is up: the SIM initialises for the dialect's busy time."""
        busy = self.m.scenario.sim_busy
        if busy is None:
            busy = self.m.dialect.sim_busy
        self.busy_until = self.m.t + busy
        self.m.schedule(busy, self._init_done)

    def _init_done(self) -> None:
        if self.m.t < self.busy_until:          # slow_sim extended it meanwhile
            self.m.schedule_at(self.busy_until, self._init_done)
            return
        self.initialised = True
        self.stray_pending = self.m.dialect.crsm_stray_zero
        if self.card is not None:
            self.card.reset()
            self._select_usim()
        state = self.pin_state()
        for banner in self.m.dialect.sim_banners:
            self.m.urc(banner.format(cpin=state))
        if state == "READY":
            self.m.net.on_sim_ready()

    def extend_busy(self, seconds: float) -> None:
        """Keep the SIM busy for `seconds` more (the slow_sim fault)."""
        self.busy_until = max(self.busy_until if self.busy_until != float("inf") else self.m.t,
                              self.m.t + seconds)

    def _select_usim(self) -> None:
        """Activate the USIM like an MT: AID from EF_DIR record 1, else the 3GPP prefix."""
        aid = USIM_AID_PREFIX
        resp = self.apdu(bytes.fromhex("00A40804042F00" + "00"))
        if _sw(resp) == 0x9000:
            rec = self.apdu(bytes.fromhex("00B2010400"))
            data = rec[:-2]
            pos = data.find(b"\x4F")
            if _sw(rec) == 0x9000 and pos >= 0 and pos + 1 < len(data):
                length = data[pos + 1]
                candidate = data[pos + 2:pos + 2 + length]
                if candidate.startswith(USIM_AID_PREFIX):
                    aid = candidate
        self.apdu(bytes([0x00, 0xA4, 0x04, 0x04, len(aid)]) + aid + b"\x00")

    # ---------------------------------------------------------------- APDUs

    def apdu(self, apdu: bytes, handle_t0: bool = True) -> bytes:
        """Send one APDU; with `handle_t0` do GET RESPONSE on 61xx/9Fxx, re-send on 6Cxx."""
        if self.card is None:
            raise AtFail(10)
        resp = self.card.transmit(apdu)
        if not handle_t0:
            return resp
        data = b""
        for _ in range(8):
            sw = _sw(resp)
            if sw >> 8 == 0x6C and len(apdu) >= 5:
                resp = self.card.transmit(apdu[:4] + bytes([sw & 0xFF]))
                continue
            if sw >> 8 in (0x61, 0x9F):   # 9Fxx: a GSM-style card (TS 51.011 §9.4.1)
                data += resp[:-2]
                cla = apdu[0] & 0x03 if apdu else 0
                resp = self.card.transmit(bytes([cla, 0xC0, 0x00, 0x00, sw & 0xFF]))
                continue
            break
        return data + resp

    def require_card(self) -> CardLike:
        if self.card is None:
            raise AtFail(10)
        if not self.initialised or self.m.t < self.busy_until:
            raise AtFail(14)
        return self.card

    def pin_state(self) -> str:
        """READY, SIM PIN or SIM PUK, asked from the card with VERIFY without data."""
        if self.card is None:
            return "NOT INSERTED"
        if not self._pin1_enabled():
            return "READY"
        sw = _sw(self.card.transmit(bytes.fromhex("0020000100")))
        if sw == 0x9000:
            return "READY"
        if sw == 0x6983 or sw == 0x63C0:
            return "SIM PUK"
        return "SIM PIN"

    def _pin1_enabled(self) -> bool:
        """PIN1 enabled? Read from the PS_DO of the USIM ADF's FCP (C6 template)."""
        resp = self.apdu(bytes.fromhex("00A40004027FFF00"))
        if _sw(resp) != 0x9000:
            return True
        fcp = resp[:-2]
        c6 = _find_tlv(fcp[2:] if fcp[:1] == b"\x62" else fcp, 0xC6)
        if c6 is None:
            return True
        ps_do = _find_tlv(c6, 0x90) or b""
        refs: list[int] = []
        i = 0
        while i + 1 < len(c6):
            tag, length = c6[i], c6[i + 1]
            if tag == 0x83 and length == 1 and i + 2 < len(c6):
                refs.append(c6[i + 2])
            i += 2 + length
        if 0x01 not in refs or not ps_do:
            return True
        bit = refs.index(0x01)
        byte = bit // 8
        return byte < len(ps_do) and bool(ps_do[byte] & (0x80 >> (bit % 8)))

    def ready(self) -> bool:
        return (self.card is not None and self.initialised and self.m.t >= self.busy_until
                and self.pin_state() == "READY")

    def require_ready(self) -> CardLike:
        card = self.require_card()
        state = self.pin_state()
        if state == "SIM PIN":
            raise AtFail(11)
        if state == "SIM PUK":
            raise AtFail(12)
        return card

    # ------------------------------------------------------------- profiles

    def switch_card(self, card: CardLike | None) -> None:
        self.card = card

    def refresh(self, files: list[str], qualifier: int = 1) -> None:
        """Tell the host the card changed, the way this dialect does."""
        style = self.m.dialect.refresh_style
        if style == "uusimstat":
            if self.usimstat:
                self.m.urc("+UUSIMSTAT: 9")
        elif style == "qusim":
            self.m.urc("+CPIN: READY")
            self.m.urc("+QUSIM: 1")
        else:
            self.m.urc("+CUSATP: " + refresh_command(files, qualifier).hex().upper())

    # ------------------------------------------------------------- commands

    def register(self) -> None:
        m = self.m
        m.handle("+CPIN", self._cpin)
        m.handle("+CIMI", self._cimi)
        for name, fmt in m.dialect.iccid_cmds:
            m.handle(name, self._iccid(fmt))
        m.handle("+CRSM", self._crsm)
        m.handle("+CSIM", self._csim)
        m.handle("+CCHO", self._ccho)
        m.handle("+CCHC", self._cchc)
        m.handle("+CGLA", self._cgla)
        if m.dialect.refresh_style == "uusimstat":
            m.handle("+USIMSTAT", self._usimstat)

    def _cpin(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        if self.card is None:
            raise AtFail(10)
        if not self.initialised or self.m.t < self.busy_until:
            if self.m.dialect.cpin_not_ready and cmd.kind == "read":
                return Reply(["+CPIN: NOT READY"])
            raise AtFail(14)
        state = self.pin_state()
        if cmd.kind == "read":
            return Reply(["+CPIN: " + state])
        args = set_args(cmd)
        first = arg_str(args, 0)
        is_pin = 4 <= len(first) <= 8 and first.isdigit()
        is_puk = state == "SIM PUK" and len(first) == 8 and first.isdigit()
        if not (is_pin or is_puk):
            raise AtFail(16)
        if state == "READY":
            raise AtFail(3)
        if state == "SIM PIN":
            resp = self.apdu(bytes.fromhex("0020000108") + _pin_block(first), False)
        else:
            new = arg_str(args, 1, "")
            if not (4 <= len(new) <= 8 and new.isdigit()) or len(first) != 8:
                raise AtFail(16)
            resp = self.apdu(bytes.fromhex("002C000110") + first.encode() + _pin_block(new),
                             False)
        sw = _sw(resp)
        if sw != 0x9000:
            raise AtFail(16 if sw >> 8 == 0x63 or sw == 0x6982 else 12)
        return Reply(after=[self.m.net.on_sim_ready])

    def _cimi(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        if cmd.kind != "exec":
            raise AtFail(None)
        return Reply([self.require_ready().imsi])

    def _iccid(self, fmt: str) -> Callable[[Command], Reply]:
        def handler(cmd: Command) -> Reply:
            if cmd.kind == "test":
                return Reply()
            if cmd.kind not in ("exec", "read"):
                raise AtFail(None)
            return Reply([fmt.format(iccid=self.require_card().iccid)])
        return handler

    def _hex(self, data: bytes) -> str:
        text = data.hex()
        return text if self.m.dialect.crsm_lower else text.upper()

    def _select_path(self, fid: int, pathid: str | None) -> bytes:
        """SELECT the EF like an MT: by path from MF; returns the SELECT R-APDU (FCP+SW)."""
        if fid == 0x3F00:
            return self.apdu(bytes.fromhex("00A4000402") + b"\x3f\x00" + b"\x00")
        candidates: list[str]
        if pathid:
            path = pathid.upper()
            if len(path) % 4 or any(c not in "0123456789ABCDEF" for c in path):
                raise AtFail(50)
            if path.startswith("3F00"):
                path = path[4:]
            candidates = [path]
        else:
            candidates = ["7FFF", "", "7F10"]
        resp = b"\x6a\x82"
        for prefix in candidates:
            full = bytes.fromhex(prefix + "%04X" % fid)
            resp = self.apdu(bytes([0x00, 0xA4, 0x08, 0x04, len(full)]) + full + b"\x00")
            if _sw(resp) == 0x9000:
                return resp
        return resp

    def _crsm(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        if cmd.kind != "set":
            raise AtFail(None)
        d = self.m.dialect
        args = split_args(cmd.args)
        command = arg_int(args, 0, None, 0, 255)
        if command not in (176, 178, 192, 214, 220, 242):
            raise AtFail(50 if command not in (203, 219) else 4)
        self.require_card()
        if command == 242:
            p3 = arg_int(args, 4, 0, 0, 255)
            resp = self.apdu(bytes([0x80, 0xF2, 0x00, 0x00, p3]))
            return self._crsm_reply(resp, [])
        fid = arg_int(args, 1, None, 0, 0xFFFF)
        given = [args[i] if i < len(args) else None for i in (2, 3, 4)]
        if command == 192:
            p1, p2, p3 = (arg_int(args, i, 0, 0, 255) for i in (2, 3, 4))
            if d.crsm_getresp_needs_255 and (None in given or (p1, p2, p3) != (0, 0, 255)):
                raise AtFail(50)
        else:
            if None in given:
                raise AtFail(50)
            p1, p2, p3 = (arg_int(args, i, None, 0, 255) for i in (2, 3, 4))
        data_hex = args[5] if len(args) > 5 else None
        pathid = args[6] if len(args) > 6 else None
        payload = b""
        if command in (214, 220):
            if not data_hex:
                raise AtFail(50)
            try:
                payload = bytes.fromhex(data_hex)
            except ValueError:
                raise AtFail(50) from None
        sel = self._select_path(fid, pathid)
        extra: list[str] = []
        if command == 192 and self.stray_pending:
            self.stray_pending = False
            extra = ["+CRSM: 0"]
        if _sw(sel) != 0x9000:
            return self._crsm_reply(sel[-2:], extra)
        if command == 192:
            return self._crsm_reply(sel, extra)
        ins = {176: 0xB0, 178: 0xB2, 214: 0xD6, 220: 0xDC}[command]
        if command in (214, 220):
            apdu = bytes([0x00, ins, p1, p2, len(payload)]) + payload
        else:
            apdu = bytes([0x00, ins, p1, p2, p3])
        return self._crsm_reply(self.apdu(apdu), extra)

    def _crsm_reply(self, resp: bytes, extra: list[str]) -> Reply:
        d = self.m.dialect
        sw1, sw2 = resp[-2], resp[-1]
        data = resp[:-2]
        if self.m.scenario.crsm_sw9f and data and (sw1, sw2) == (0x90, 0x00):
            # the scenario's modem reports "xx response bytes available" (TS 51.011)
            # next to the data it already fetched, as seen with 2G-style cards
            sw1, sw2 = 0x9F, min(len(data), 0xFF)
        line = "+CRSM: %d,%d" % (sw1, sw2)
        if data:
            line += ',"%s"' % self._hex(data) if d.crsm_quoted else "," + self._hex(data)
        elif d.crsm_quoted:
            line += ',""'
        return Reply([*extra, line])

    def _parse_apdu_args(self, args: list[str | None], len_index: int) -> bytes:
        length = arg_int(args, len_index, None, 0, 4096)
        text = arg_str(args, len_index + 1)
        if len(text) != length or length % 2 or length < 8:
            raise AtFail(50)
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise AtFail(50) from None

    def _csim(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        args = set_args(cmd)
        if self.m.dialect.csim_lock and len(args) == 1 and args[0] in ("0", "1"):
            self.require_card()
            return Reply()               # lock / unlock of the SIM interface
        apdu = self._parse_apdu_args(args, 0)
        self.require_card()
        resp = self.apdu(apdu, handle_t0=not self.m.dialect.csim_raw_61xx)
        return Reply(['+CSIM: %d,"%s"' % (len(resp) * 2, resp.hex().upper())])

    def _ccho(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        aid_hex = arg_str(set_args(cmd), 0)
        try:
            aid = bytes.fromhex(aid_hex)
        except ValueError:
            raise AtFail(50) from None
        if not 1 <= len(aid) <= 16:
            raise AtFail(50)
        self.require_card()
        resp = self.apdu(bytes.fromhex("0070000001"), False)
        if _sw(resp) != 0x9000 or len(resp) != 3:
            raise AtFail(20 if _sw(resp) == 0x6A81 else 13)
        channel = resp[0]
        sel = self.apdu(bytes([channel, 0xA4, 0x04, 0x04, len(aid)]) + aid + b"\x00")
        if _sw(sel) != 0x9000:
            self.apdu(bytes([0x00, 0x70, 0x80, channel, 0x00]), False)
            raise AtFail(22)
        self.channels.add(channel)
        return Reply([str(channel) if self.m.dialect.ccho_bare else "+CCHO: %d" % channel])

    def _cchc(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        channel = arg_int(set_args(cmd), 0, None, 0, 19)
        if channel not in self.channels:
            raise AtFail(21)
        self.require_card()
        self.apdu(bytes([0x00, 0x70, 0x80, channel, 0x00]), False)
        self.channels.discard(channel)
        return Reply()

    def _cgla(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        args = set_args(cmd)
        channel = arg_int(args, 0, None, 0, 19)
        apdu = bytearray(self._parse_apdu_args(args, 1))
        if channel not in self.channels:
            raise AtFail(21)
        self.require_card()
        apdu[0] = (apdu[0] & 0xFC) | (channel & 0x03)
        resp = self.apdu(bytes(apdu), handle_t0=not self.m.dialect.csim_raw_61xx)
        return Reply(['+CGLA: %d,"%s"' % (len(resp) * 2, resp.hex().upper())])

    def _usimstat(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+USIMSTAT: %d" % self.usimstat])
        if cmd.kind == "test":
            return Reply(["+USIMSTAT: (0-511)"])
        self.usimstat = arg_int(split_args(cmd.args), 0, 0, 0, 511)
        return Reply()


def _find_tlv(data: bytes, wanted: int) -> bytes | None:
    """Value of the first one-byte-tag TLV `wanted` at the top level of `data`."""
    i = 0
    while i + 1 < len(data):
        tag, length = data[i], data[i + 1]
        start = i + 2
        if length == 0x81 and i + 2 < len(data):
            length, start = data[i + 2], i + 3
        if tag == wanted:
            return data[start:start + length]
        i = start + length
    return None


def _pin_block(digits: str) -> bytes:
    return digits.encode("ascii") + b"\xff" * (8 - len(digits))


def refresh_command(files: list[str], qualifier: int = 1) -> bytes:
    """A REFRESH proactive command (TS 102 223 §6.6.13) naming full file paths."""
    paths = b""
    for path in files:
        text = path.upper()
        if not text.startswith("3F00"):
            text = "3F00" + text
        paths += bytes.fromhex(text)
    body = bytes([0x81, 0x03, 0x01, 0x01, qualifier & 0xFF, 0x82, 0x02, 0x81, 0x82])
    if files:
        file_list = bytes([len(files)]) + paths
        body += bytes([0x92, len(file_list)]) + file_list
    return bytes([0xD0, len(body)]) + body
