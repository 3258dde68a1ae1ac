"""A virtual USIM (TS 102 221 UICC + TS 31.102 ADF.USIM) answering raw APDUs.

Why a model and not canned answers: the library under test must meet what a
real card does — T=0 `61xx`/`6Cxx` procedure bytes, select-by-path with and
without `3F00`, `7FFF` meaning "the current ADF", SFI reads, PIN retry
counters, logical channels with their own current file — so the same
`VirtualCard` sits behind the modem simulator (+CRSM/+CSIM) and behind the real
pcscd (through vpcd), and the two drivers are checked against one behaviour.

Commands (CLA `0X` for ISO commands, `8X` for STATUS; X = channel 0..3):

* SELECT `A4`: P1 `00` FID, `01` child DF, `03` parent, `04` AID (right-truncated,
  P2 occurrence first/last/next/previous, termination `40`), `08` path from MF
  (with or without a leading `3F00`), `09` path from the current DF; P2 `04`
  returns the FCP (`61xx`, then GET RESPONSE), `0C` no data.
* READ/UPDATE BINARY `B0`/`D6` (15-bit offset or SFI in P1), READ/UPDATE RECORD
  `B2`/`DC` (absolute mode `04`, SFI in P2 b8-b4), STATUS `F2`, GET RESPONSE `C0`.
* VERIFY `20`, CHANGE `24`, DISABLE `26`, ENABLE `28`, UNBLOCK `2C` for PIN1 `01`,
  PIN2 `81` and ADM1 `0A`; VERIFY/UNBLOCK with no data report `63Cx` (tries left)
  without spending one.
* MANAGE CHANNEL `70`: open (`P1=00`, P2 `00` = card chooses, or 1..3), close (`P1=80`).

T=0 rules, as a real UICC behind a T=0 reader: a command carrying data that
produces response data (SELECT with P2 `04`) answers `61xx` and keeps the data
for GET RESPONSE (a profile with `sw_style = "gsm"` answers `9Fxx` instead, as
a SIM does per TS 51.011 §9.4.1, while keeping the UICC commands and FCPs);
a case-2 command whose Le differs from the length it has (READ RECORD, STATUS,
GET RESPONSE) answers `6Cxx` with the exact length.
READ BINARY returns what is left with `6282` when Le runs past the end and `6B00`
when the offset is beyond it. GET RESPONSE with Le `00` returns everything pending.

After `reset()` the basic channel has the MF as current DF and ADF.USIM as the
current application (what every ME does first), so `7FFF` paths work at once;
a profile can turn that off (`implicit_usim = false`). A new logical channel
starts at the MF with no application.

Every malformed APDU gets a status word (`6700`, `6A86`, `6D00`, `6E00`, ...),
never an exception (a hypothesis test throws random APDUs at it): a card that
raised would take the vpcd link, or the modem simulator, down with it.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from me_lib.card.catalogue import EFS, PATH
from me_lib.card.path import to_hex
from me_lib.codec import ids
from me_lib.codec.tlv import encode_one as tlv
from me_lib.errors import FileNotFound, StatusWordError
from me_lib.sim import apdu as _apdu
from me_lib.sim.apdu import SW_OK, Apdu, sw
from me_lib.sim.fs import (
    ADF_FID,
    ADM,
    ALW,
    DF,
    EF,
    LINEAR_FIXED,
    MF_FID,
    NEV,
    PIN1,
    PIN2,
    TRANSPARENT,
    Node,
    split_path,
)
from me_lib.sim.pins import KEY_ADM1, KEY_PIN1, KEY_PIN2, Pin, pin_command

DEFAULT_ATR = bytes.fromhex("3B9F96801FC78031E073FE211B633A204E8300900032")
MAX_CHANNELS = 4  # basic channel 0 + logical channels 1..3


@dataclass(eq=False)
class _Channel:
    """What one logical channel has selected (TS 102 221 §8.6: per channel)."""

    df: DF
    adf: DF | None = None
    ef: EF | None = None
    record: int = 0
    pending: bytes = b""  # response data waiting for GET RESPONSE


@dataclass(eq=False)
class CardParts:
    """Everything a profile describes; `VirtualCard` adds the run-time state."""

    mf: DF
    adfs: list[DF]
    pins: dict[int, Pin]
    atr: bytes = DEFAULT_ATR
    implicit_usim: bool = True
    sw_style: str = "uicc"
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[["VirtualCard", _Channel, Apdu], bytes]


class VirtualCard:
    """One UICC: a file tree, PINs and per-channel selection state, behind a lock.

    The lock makes `transmit`, `reset`, `update_file` and `read_file` atomic, so
    the modem simulator, a vpcd server thread and a test may share one card.
    """

    def __init__(self, parts: CardParts) -> None:
        self._mf = parts.mf
        self._adfs = list(parts.adfs)
        self._pins = parts.pins
        self._atr = bytes(parts.atr)
        self._implicit_usim = parts.implicit_usim
        # SW1 announcing response data: 61 (TS 102 221 §10.2.1.1, T=0) or, for a
        # card answering like a GSM SIM, 9F (TS 51.011 §9.4.1).
        self._more = 0x9F00 if parts.sw_style == "gsm" else 0x6100
        self.profile = parts.extra
        self._lock = threading.RLock()
        self._channels: dict[int, _Channel] = {}
        self.reset()

    # --- construction -------------------------------------------------------

    @classmethod
    def from_profile(cls, path: str | Path) -> "VirtualCard":
        """Build a card from a profile TOML file (format: `me_lib.sim.card_profile`)."""
        from me_lib.sim.card_profile import load_parts

        return cls(load_parts(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VirtualCard":
        """Build a card from an already-parsed profile (same keys as the TOML)."""
        from me_lib.sim.card_profile import build_parts

        return cls(build_parts(data))

    # --- public API ---------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return self._atr

    def reset(self) -> bytes:
        """Power cycle: channels closed, PIN verifications dropped; returns the ATR."""
        with self._lock:
            basic = _Channel(df=self._mf)
            if self._implicit_usim and self._adfs:
                basic.adf = self._adfs[0]
            self._channels = {0: basic}
            for pin in self._pins.values():
                pin.verified = False
            return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        """Answer one C-APDU with data + SW1 SW2 (never raises on bad input)."""
        with self._lock:
            return self._transmit(bytes(apdu))

    @property
    def iccid(self) -> str:
        """The ICCID decoded from EF_ICCID."""
        return str(ids.decode_iccid(self.read_file(to_hex(EFS["EF_ICCID"][PATH]))))

    @property
    def imsi(self) -> str:
        """The IMSI decoded from EF_IMSI."""
        return ids.decode_imsi(self.read_file(to_hex(EFS["EF_IMSI"][PATH])))

    def read_file(self, path_hex: str) -> bytes:
        """Whole content of an EF (records concatenated), no access check."""
        with self._lock:
            return bytes(self._resolve_ef(path_hex, "read_file").data)

    def update_file(self, path_hex: str, data: bytes, record: int | None = None) -> None:
        """OTA/ADM write without access check.

        A transparent EF gets `data` as its new content (its size follows);
        for a linear fixed EF `record` (1-based) is replaced, `data` padded with
        `FF` to the record length. `path_hex` is absolute (`3F00` optional,
        `7FFF` = ADF.USIM) or `<AID hex>/<path>` for another application.
        """
        with self._lock:
            ef = self._resolve_ef(path_hex, "update_file")
            if ef.structure == TRANSPARENT:
                if record is not None:
                    raise StatusWordError(0x6981, "update_file %s record %d" % (path_hex, record),
                                          "command incompatible with file structure",
                                          "a transparent EF has no records; omit record=")
                ef.data = bytearray(data)
                return
            if record is None or not 1 <= record <= ef.record_count:
                raise StatusWordError(0x6A83, "update_file %s record %s" % (path_hex, record),
                                      "record not found",
                                      "give record=1..%d" % ef.record_count)
            if len(data) > ef.record_length:
                raise StatusWordError(0x6700, "update_file %s record %d" % (path_hex, record),
                                      "wrong length",
                                      "a record holds at most %d bytes" % ef.record_length)
            ef.set_record(record, bytes(data) + b"\xff" * (ef.record_length - len(data)))

    # --- path resolution ----------------------------------------------------

    def _resolve_ef(self, path_hex: str, operation: str) -> EF:
        node = self._resolve_absolute(path_hex)
        if not isinstance(node, EF):
            raise FileNotFound(0x6A82, "%s %s" % (operation, path_hex), "no such EF",
                               "give the full path, e.g. 3F007FFF6F07")
        return node

    def _resolve_absolute(self, path_hex: str) -> Node | None:
        try:
            node: Node | None
            node, fids = split_path(path_hex, self._mf, self._adfs)
        except ValueError:
            return None
        for fid in fids:
            node = node.child(fid) if isinstance(node, DF) else None
        return node

    # --- APDU dispatch ------------------------------------------------------

    def _transmit(self, raw: bytes) -> bytes:
        a = _apdu.parse(raw)
        if a is None:
            return sw(0x6700)
        class_error = _class_error(a.cla)
        if class_error:
            return sw(class_error)
        entry = _COMMANDS.get(a.ins)
        if entry is None:
            return sw(0x6D00)
        proprietary, handler = entry
        if bool(a.cla & 0x80) != proprietary:
            return sw(0x6E00)
        ch = self._channels.get(a.channel)
        if ch is None:
            return sw(0x6881)
        if a.ins != 0xC0:
            ch.pending = b""
        return handler(self, ch, a)

    # --- SELECT ---------------------------------------------------------------

    def _select(self, ch: _Channel, a: Apdu) -> bytes:
        answer = a.p2 & 0x1C
        session = a.p2 & 0xC0
        occurrence = a.p2 & 0x03
        if answer not in (0x00, 0x04, 0x0C) or session not in (0x00, 0x40):
            return sw(0x6A86)
        if a.p1 != 0x04 and (occurrence or session):
            return sw(0x6A86)
        node: Node | None
        if a.p1 == 0x04:
            return self._select_aid(ch, a.data, occurrence, session == 0x40, answer)
        if a.p1 == 0x00:
            if not a.data:
                node = self._mf
            elif len(a.data) != 2:
                return sw(0x6A87)
            else:
                node = self._by_fid(ch, int.from_bytes(a.data, "big"))
        elif a.p1 == 0x01:
            if len(a.data) != 2:
                return sw(0x6A87)
            node = ch.df.child(int.from_bytes(a.data, "big"))
            if not isinstance(node, DF):
                node = None
        elif a.p1 == 0x03:
            if a.data:
                return sw(0x6A87)
            node = ch.df.parent or ch.df
        elif a.p1 in (0x08, 0x09):
            if not a.data or len(a.data) % 2:
                return sw(0x6A87)
            fids = [int.from_bytes(a.data[i:i + 2], "big") for i in range(0, len(a.data), 2)]
            node = self._by_path(ch, fids, from_mf=a.p1 == 0x08)
        else:
            return sw(0x6A86)
        if node is None:
            return sw(0x6A82)
        self._make_current(ch, node)
        return self._select_answer(ch, node, answer)

    def _select_aid(self, ch: _Channel, aid: bytes, occurrence: int, terminate: bool,
                    answer: int) -> bytes:
        if not 1 <= len(aid) <= 16:
            return sw(0x6A87)
        matches = [adf for adf in self._adfs if adf.aid is not None and adf.aid.startswith(aid)]
        if not matches:
            return sw(0x6A82)
        if occurrence == 0x00:
            adf = matches[0]
        elif occurrence == 0x01:
            adf = matches[-1]
        else:
            if ch.adf not in matches:
                return sw(0x6A82)
            index = matches.index(ch.adf) + (1 if occurrence == 0x02 else -1)
            if not 0 <= index < len(matches):
                return sw(0x6A82)
            adf = matches[index]
        if terminate:
            if ch.adf is adf:
                ch.adf, ch.df, ch.ef = None, self._mf, None
            return sw(SW_OK)
        self._make_current(ch, adf)
        return self._select_answer(ch, adf, answer)

    def _select_answer(self, ch: _Channel, node: Node, answer: int) -> bytes:
        if answer == 0x0C:
            return sw(SW_OK)
        ch.pending = self._fcp(node)
        return sw(self._more | len(ch.pending))  # T=0: data waits for GET RESPONSE

    def _by_fid(self, ch: _Channel, fid: int) -> Node | None:
        """Select-by-FID reach (TS 102 221 §8.4.1)."""
        if fid == MF_FID:
            return self._mf
        if fid == ADF_FID:
            return ch.adf
        cur = ch.df
        if fid == cur.fid:
            return cur
        node = cur.child(fid)
        if node is not None:
            return node
        parent = cur.parent
        if parent is not None:
            if fid == parent.fid:
                return parent
            sibling = parent.child(fid)
            if isinstance(sibling, DF):
                return sibling
        return None

    def _by_path(self, ch: _Channel, fids: list[int], from_mf: bool) -> Node | None:
        node: Node | None
        if from_mf:
            if fids[0] == MF_FID:
                fids = fids[1:]
            node = self._mf
        else:
            node = ch.df
        for i, fid in enumerate(fids):
            if i == 0 and fid == ADF_FID:
                node = ch.adf
            elif isinstance(node, DF):
                node = node.child(fid)
            else:
                node = None
            if node is None:
                return None
        return node

    def _make_current(self, ch: _Channel, node: Node) -> None:
        ch.record = 0
        if isinstance(node, EF):
            ch.ef = node
            assert node.parent is not None
            ch.df = node.parent
            return
        assert isinstance(node, DF)
        ch.df, ch.ef = node, None
        if node.aid is not None:
            ch.adf = node

    def _fcp(self, node: Node) -> bytes:
        if isinstance(node, EF):
            return node.fcp()
        assert isinstance(node, DF)
        return node.fcp(self._pin_status())

    def _pin_status(self) -> list[tuple[int, bool]]:
        """(key reference, enabled) for the C6 PIN status template of every DF."""
        return [(ref, self._pins[ref].enabled) for ref in (KEY_PIN1, KEY_PIN2, KEY_ADM1)
                if ref in self._pins]

    # --- file access ----------------------------------------------------------

    def _allowed(self, condition: str) -> bool:
        if condition == ALW:
            return True
        if condition == NEV:
            return False
        ref = {PIN1: KEY_PIN1, PIN2: KEY_PIN2, ADM: KEY_ADM1}[condition]
        pin = self._pins.get(ref)
        return pin is not None and pin.satisfied

    def _binary_target(self, ch: _Channel, a: Apdu, update: bool) -> tuple[EF | None, int, int]:
        """(EF, offset, SW) for READ/UPDATE BINARY: SFI form in P1 b8, else current EF;
        the file's structure, access condition and the offset checked."""
        if a.p1 & 0x80:
            if a.p1 & 0x60:
                return None, 0, 0x6A86
            ef = ch.df.by_sfi(a.p1 & 0x1F)
            if ef is None:
                return None, 0, 0x6A82
            self._make_current(ch, ef)
            offset = a.p2
        elif ch.ef is None:
            return None, 0, 0x6986
        else:
            ef = ch.ef
            offset = (a.p1 << 8) | a.p2
        if ef.structure != TRANSPARENT:
            return None, 0, 0x6981
        if not self._allowed(ef.update if update else ef.read):
            return None, 0, 0x6982
        if offset >= ef.size:
            return None, 0, 0x6B00
        return ef, offset, SW_OK

    def _read_binary(self, ch: _Channel, a: Apdu) -> bytes:
        if a.data or a.le is None:
            return sw(0x6700)
        ef, offset, word = self._binary_target(ch, a, update=False)
        if ef is None:
            return sw(word)
        chunk = bytes(ef.data[offset:offset + a.le])
        return sw(0x6282 if len(chunk) < a.le else SW_OK, chunk)

    def _update_binary(self, ch: _Channel, a: Apdu) -> bytes:
        if not a.data:
            return sw(0x6700)
        ef, offset, word = self._binary_target(ch, a, update=True)
        if ef is None:
            return sw(word)
        if offset + len(a.data) > ef.size:
            return sw(0x6700)
        ef.data[offset:offset + len(a.data)] = a.data
        return sw(SW_OK)

    def _record_target(self, ch: _Channel, a: Apdu, update: bool) -> tuple[EF | None, int, int]:
        """(EF, record number, SW) for READ/UPDATE RECORD in absolute mode."""
        sfi, mode = a.p2 >> 3, a.p2 & 0x07
        if mode != 0x04 or sfi == 0x1F:
            return None, 0, 0x6A86
        if sfi:
            ef = ch.df.by_sfi(sfi)
            if ef is None:
                return None, 0, 0x6A82
            self._make_current(ch, ef)
        elif ch.ef is None:
            return None, 0, 0x6986
        else:
            ef = ch.ef
        if ef.structure != LINEAR_FIXED:
            return None, 0, 0x6981
        if not self._allowed(ef.update if update else ef.read):
            return None, 0, 0x6982
        number = a.p1 or ch.record
        if not 1 <= number <= ef.record_count:
            return None, 0, 0x6A83
        return ef, number, SW_OK

    def _read_record(self, ch: _Channel, a: Apdu) -> bytes:
        if a.data or a.le is None:
            return sw(0x6700)
        ef, number, word = self._record_target(ch, a, update=False)
        if ef is None:
            return sw(word)
        if a.le != ef.record_length:
            return sw(0x6C00 | (ef.record_length & 0xFF))
        ch.record = number
        return sw(SW_OK, ef.record(number))

    def _update_record(self, ch: _Channel, a: Apdu) -> bytes:
        if not a.data:
            return sw(0x6700)
        ef, number, word = self._record_target(ch, a, update=True)
        if ef is None:
            return sw(word)
        if len(a.data) != ef.record_length:
            return sw(0x6700)
        ef.set_record(number, a.data)
        ch.record = number
        return sw(SW_OK)

    # --- STATUS, GET RESPONSE, MANAGE CHANNEL ---------------------------------

    def _status(self, ch: _Channel, a: Apdu) -> bytes:
        if a.p1 > 0x02 or a.data:
            return sw(0x6A86 if a.p1 > 0x02 else 0x6700)
        if a.p2 == 0x0C:
            return sw(SW_OK)
        if a.p2 == 0x00:
            body = self._fcp(ch.df)
        elif a.p2 == 0x01:
            if ch.adf is None or ch.adf.aid is None:
                return sw(0x6A88)
            body = tlv(0x84, ch.adf.aid)
        else:
            return sw(0x6A86)
        if a.le != len(body):
            return sw(0x6C00 | len(body))
        return sw(SW_OK, body)

    def _get_response(self, ch: _Channel, a: Apdu) -> bytes:
        if a.p1 or a.p2:
            return sw(0x6A86)
        if a.data or a.le is None:
            return sw(0x6700)
        if not ch.pending:
            return sw(0x6985)
        if a.le == 256:
            a = a._replace(le=min(256, len(ch.pending)))
        assert a.le is not None
        if a.le > len(ch.pending):
            return sw(0x6C00 | len(ch.pending))
        out, ch.pending = ch.pending[:a.le], ch.pending[a.le:]
        if ch.pending:
            return sw(self._more | min(len(ch.pending), 0xFF), out)
        return sw(SW_OK, out)

    def _manage_channel(self, ch: _Channel, a: Apdu) -> bytes:
        if a.data:
            return sw(0x6700)
        if a.p1 == 0x80:
            if a.p2 == 0 or a.p2 >= MAX_CHANNELS:
                return sw(0x6A86)
            if a.p2 not in self._channels:
                return sw(0x6881)
            del self._channels[a.p2]
            return sw(SW_OK)
        if a.p1 != 0x00:
            return sw(0x6A86)
        if a.p2:
            if a.p2 >= MAX_CHANNELS:
                return sw(0x6A86)
            if a.p2 in self._channels:
                return sw(0x6985)
            number = a.p2
        else:
            free = [n for n in range(1, MAX_CHANNELS) if n not in self._channels]
            if not free:
                return sw(0x6A81)
            number = free[0]
            if a.le is not None and a.le not in (1, 256):
                return sw(0x6C01)
        # Opened from the basic channel: MF, no application; from another: inherit.
        if a.channel == 0:
            self._channels[number] = _Channel(df=self._mf)
        else:
            self._channels[number] = _Channel(df=ch.df, adf=ch.adf)
        return sw(SW_OK, b"" if a.p2 else bytes((number,)))

    # --- PIN commands -----------------------------------------------------------

    def _pin_command(self, ch: _Channel, a: Apdu) -> bytes:
        return pin_command(self._pins, a)


# INS -> (needs CLA 8X, handler). TS 102 221 Table 10.5: only STATUS here is 8X.
_COMMANDS: dict[int, tuple[bool, Handler]] = {
    0xA4: (False, VirtualCard._select),
    0xB0: (False, VirtualCard._read_binary),
    0xD6: (False, VirtualCard._update_binary),
    0xB2: (False, VirtualCard._read_record),
    0xDC: (False, VirtualCard._update_record),
    0xF2: (True, VirtualCard._status),
    0xC0: (False, VirtualCard._get_response),
    0x70: (False, VirtualCard._manage_channel),
    0x20: (False, VirtualCard._pin_command),
    0x24: (False, VirtualCard._pin_command),
    0x26: (False, VirtualCard._pin_command),
    0x28: (False, VirtualCard._pin_command),
    0x2C: (False, VirtualCard._pin_command),
}


def _class_error(cla: int) -> int:
    """0 for CLA 0X/8X (channels 0-3) without secure messaging, else the SW to answer."""
    group = cla & 0xF0
    if group in (0x00, 0x80):
        return 0x6882 if cla & 0x0C else 0
    if cla & 0x40 and cla != 0xFF:
        return 0x6881  # further interindustry classes: channels 4..19, not offered
    return 0x6E00


__all__ = ["DEFAULT_ATR", "CardParts", "VirtualCard"]
