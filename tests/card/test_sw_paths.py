"""Every status-word class on every access path: +CRSM, +CSIM, +CGLA and PC/SC.

One table in `me_lib/card/sw.py` decides what a SW means; these tests pin that
the four transports act on it the same way. The card is the virtual USIM with
a thin wrapper that makes READ BINARY answer the way the class under test
does (a GSM-style 9Fxx, a raw 61xx, 91xx, a warning, an error), the modems
are the pty peers of `at_peer.py`, and PC/SC is the real `PcscLink` over a
fake pyscard module (the SW logic needs no pcscd).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from me_lib.card import apdu as A
from me_lib.card import sw as SW
from me_lib.card.cgla import open_session
from me_lib.card.crsm import CrsmAccess
from me_lib.card.csim import CsimLink
from me_lib.card.link import CardLink, FunctionLink
from me_lib.card.pcsc import PcscLink
from me_lib.errors import (
    CardError,
    ClassNotSupported,
    CommandNotAllowed,
    ExecutionError,
    FileNotFound,
    InstructionNotSupported,
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
    TechnicalProblem,
    WrongLength,
)
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import DEFAULT_USIM_AID, PROFILES_DIR

from .at_peer import CardModem, CrsmCardModem, modem

ICCID = "3F002FE2"
ICCID_BYTES = bytes.fromhex("98888260660000000001")
EF_DIR = "3F002F00"
PATHS = ("crsm", "csim", "cgla", "pcsc")


class QuirkCard:
    """The virtual USIM, with READ BINARY answered the way `mode` says.

    `mode` "9F"/"61": the data waits for a GET RESPONSE announced by 9Fxx /
    61xx; "91"/"92": the data comes with 9112 / 9201; a 4-hex-digit SW: that
    error instead of the data; None: the card as it is.
    """

    def __init__(self, mode: str | None = None) -> None:
        self.card = VirtualCard.from_profile(PROFILES_DIR / "default.toml")
        self.mode = mode
        self.pending = b""
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(bytes(apdu))
        if apdu[1] == 0xC0 and self.pending:
            out, self.pending = self.pending, b""
            assert apdu[4] == len(out), "GET RESPONSE Le must be the xx the card announced"
            return out + b"\x90\x00"
        if apdu[1] != 0xB0 or self.mode is None:
            return self.card.transmit(apdu)
        real = self.card.transmit(apdu)
        data = real[:-2]
        if self.mode in ("9F", "61"):
            self.pending = data
            return bytes((int(self.mode, 16), len(data)))
        if self.mode == "91":
            return data + b"\x91\x12"
        if self.mode == "92":
            return data + b"\x92\x01"
        return bytes.fromhex(self.mode)


class Path:
    """One access path to a QuirkCard: read a transparent EF or a record by path."""

    def __init__(self, name: str, acc: CrsmAccess | None, link: CardLink | None) -> None:
        self.name = name
        self.acc = acc
        self.link = link

    def _select(self, path: str) -> None:
        assert self.link is not None
        fids = tuple(int(path[i:i + 4], 16) for i in range(4, len(path), 4))
        _data, sw = self.link.transmit(A.select_path_from_mf(fids))
        SW.check(sw, "SELECT " + path)

    def read_binary(self, path: str, length: int) -> bytes:
        if self.acc is not None:
            return self.acc.read_binary(path, length=length)
        self._select(path)
        assert self.link is not None
        return self.link.send(A.read_binary(0, length), "READ BINARY " + path)

    def read_record(self, path: str, record: int, length: int) -> bytes:
        if self.acc is not None:
            return self.acc.read_record(path, record, length=length)
        self._select(path)
        assert self.link is not None
        return self.link.send(A.read_record(record, length), "READ RECORD " + path)

    @property
    def proactive_pending(self) -> int:
        holder: Any = self.acc if self.acc is not None else self.link
        return int(holder.proactive_pending)


class FakeScard:
    """The few pyscard `scard` names `PcscLink.exchange` uses, over a card's transmit."""

    SCARD_PROTOCOL_T0 = 1
    SCARD_PROTOCOL_T1 = 2
    SCARD_S_SUCCESS = 0

    def __init__(self, transmit: Callable[[bytes], bytes]) -> None:
        self._transmit = transmit

    def SCardTransmit(self, card: object, pci: object,
                      apdu: list[int]) -> tuple[int, list[int]]:
        return 0, list(self._transmit(bytes(apdu)))


def fake_pcsc(transmit: Callable[[bytes], bytes]) -> PcscLink:
    """A PcscLink in T=0 whose pyscard module is FakeScard (no pcscd, same SW logic)."""
    link = PcscLink.__new__(PcscLink)
    CardLink.__init__(link)
    link.name, link.reader, link.protocol = "pcsc:fake", "fake", FakeScard.SCARD_PROTOCOL_T0
    link._sc, link._card, link._pci = FakeScard(transmit), object(), None
    return link


@contextmanager
def open_path(name: str, card: QuirkCard, **crsm_quirks: bool) -> Iterator[Path]:
    """The access path `name` to `card`, closed afterwards."""
    if name == "pcsc":
        yield Path(name, None, fake_pcsc(card.transmit))
        return
    if name == "crsm":
        with modem(responder=CrsmCardModem(card.transmit, **crsm_quirks)) as (_peer, at):
            yield Path(name, CrsmAccess(at, modem_id="sw-test", cache={}), None)
        return
    with modem(responder=CardModem(card.transmit)) as (_peer, at):
        if name == "csim":
            yield Path(name, None, CsimLink(at))
            return
        with open_session(at, bytes.fromhex(DEFAULT_USIM_AID)) as link:
            yield Path(name, None, link)


# --- success classes --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_9000_normal_ending(path: str) -> None:
    with open_path(path, QuirkCard()) as p:
        assert p.read_binary(ICCID, 10) == ICCID_BYTES
        assert p.proactive_pending == 0


@pytest.mark.parametrize("path", PATHS)
def test_91xx_is_success_and_the_proactive_length_is_noted(path: str) -> None:
    with open_path(path, QuirkCard("91")) as p:
        assert p.read_binary(ICCID, 10) == ICCID_BYTES
        assert p.proactive_pending == 0x12


@pytest.mark.parametrize("path", PATHS)
def test_92xx_success_after_internal_retry(path: str) -> None:
    with open_path(path, QuirkCard("92")) as p:
        assert p.read_binary(ICCID, 10) == ICCID_BYTES


@pytest.mark.parametrize("path", PATHS)
def test_9fxx_gsm_response_available(path: str) -> None:
    """APDU paths: GET RESPONSE Le=xx. +CRSM: `+CRSM: 159,10,<data>` is the data."""
    card = QuirkCard("9F")
    with open_path(path, card, report_procedure=True) as p:
        assert p.read_binary(ICCID, 10) == ICCID_BYTES
    gets = [a for a in card.sent if a[1] == 0xC0 and a[4] == 10]
    assert len(gets) == 1   # the card's 9F0A was answered with exactly Le = 0A


@pytest.mark.parametrize("path", PATHS)
def test_61xx_get_response(path: str) -> None:
    """APDU paths: GET RESPONSE chained; +CRSM reporting `97,10,<data>` is the data."""
    with open_path(path, QuirkCard("61"), report_procedure=True) as p:
        assert p.read_binary(ICCID, 10) == ICCID_BYTES


@pytest.mark.parametrize("path", PATHS)
def test_crsm_get_response_reported_as_9fxx_gives_the_fcp(path: str) -> None:
    """GET RESPONSE after a SELECT (the FCP), with the 2G-style 9Fxx report on +CRSM."""
    if path != "crsm":
        card = QuirkCard()
        with open_path(path, card) as p:
            assert p.link is not None
            data, sw = p.link.transmit(A.select_path_from_mf((0x2FE2,)))
            assert sw == 0x9000 and data[:1] == b"\x62"
        return
    card = QuirkCard()
    with open_path(path, card, report_procedure=True) as p:
        assert p.acc is not None
        assert p.acc.file_info(ICCID).size == 10
        assert p.read_binary(ICCID, 10) == ICCID_BYTES


@pytest.mark.parametrize("path", PATHS)
def test_6cxx_resend_with_the_exact_le(path: str) -> None:
    card = QuirkCard()
    with open_path(path, card, raw_6c=True) as p:
        record = p.read_record(EF_DIR, 1, 0x20)   # the record is 0x30 bytes: card says 6C30
    assert len(record) == 0x30 and record[0] == 0x61
    reads = [a for a in card.sent if a[1] == 0xB2]
    assert [a[4] for a in reads] == [0x20, 0x30]


@pytest.mark.parametrize("path", PATHS)
def test_6282_warning_keeps_the_short_data(path: str,
                                           caplog: pytest.LogCaptureFixture) -> None:
    with open_path(path, QuirkCard()) as p:
        assert p.read_binary(ICCID, 32) == ICCID_BYTES   # the card: 10 bytes + 6282
    assert "6282" in caplog.text


# --- error classes: typed errors naming the meaning ---------------------------------------


ERRORS = [
    ("6A82", FileNotFound), ("6982", SecurityStatusNotSatisfied),
    ("9804", SecurityStatusNotSatisfied), ("6700", WrongLength), ("6F00", TechnicalProblem),
    ("6581", ExecutionError), ("6D00", InstructionNotSupported), ("6E00", ClassNotSupported),
    ("6986", CommandNotAllowed), ("9840", PinBlocked),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("sw", "cls"), ERRORS)
def test_error_classes_are_typed_and_name_the_meaning(path: str, sw: str, cls: type) -> None:
    with open_path(path, QuirkCard(sw)) as p, pytest.raises(CardError) as err:
        p.read_binary(ICCID, 10)
    assert type(err.value) is cls
    assert sw in str(err.value) and SW.describe(int(sw, 16)) in str(err.value)
    if isinstance(err.value, StatusWordError):
        assert err.value.sw == int(sw, 16) and "READ BINARY" in err.value.operation


# --- bounds ---------------------------------------------------------------------------------


def test_a_card_repeating_6cxx_is_reported_not_resent_for_ever() -> None:
    sent: list[bytes] = []

    def stubborn(apdu: bytes) -> bytes:
        sent.append(apdu)
        return bytes.fromhex("6C10")

    with pytest.raises(WrongLength, match="6C10"):
        FunctionLink(stubborn).send(bytes.fromhex("00B0000020"), "READ BINARY")
    assert len(sent) <= 3


def test_an_endless_9f00_chain_is_reported_not_polled_for_ever() -> None:
    sent: list[bytes] = []

    def stuck(apdu: bytes) -> bytes:
        sent.append(apdu)
        return bytes.fromhex("9F00")

    with pytest.raises(StatusWordError, match="GET RESPONSE"):
        FunctionLink(stuck).transmit(bytes.fromhex("00A40804022FE2"))
    assert len(sent) <= 4


def test_9fxx_on_an_iso_cla_gets_get_response_with_cla_00() -> None:
    answers = [bytes.fromhex("9F05"), bytes.fromhex("0102030405") + b"\x90\x00"]
    sent: list[bytes] = []

    def card(apdu: bytes) -> bytes:
        sent.append(apdu)
        return answers.pop(0)

    assert FunctionLink(card).transmit(bytes.fromhex("00A40804022FE2")) == (
        bytes.fromhex("0102030405"), 0x9000)
    assert sent[1].hex().upper() == "00C0000005"
