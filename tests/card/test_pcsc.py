"""PC/SC back end through the real pcscd and vpcd, against virtual USIMs in card processes.

Never skipped: the session fixtures start pcscd and the cards, and fail with
their logs when the stack does not come up.
"""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from me_lib.card import pcsc
from me_lib.card.files import FileAccess
from me_lib.card.link import LinkStats
from me_lib.card.pcsc import PcscLink
from me_lib.card.usim import Usim
from me_lib.codec import lwm2m
from me_lib.errors import (
    CardError,
    CardRemoved,
    FileNotFound,
    ProfileIntegrityError,
    SecurityStatusNotSatisfied,
)

pytestmark = pytest.mark.pcsc

SLOT0, SLOT1 = "Virtual PCD 00 00", "Virtual PCD 00 01"


@pytest.fixture
def usim0(pcsc_card: Any) -> Iterator[Usim]:
    with PcscLink(SLOT0) as link:
        yield Usim(FileAccess(link))


def test_readers_by_name_and_index(pcsc_card: Any, pcsc_card2: Any) -> None:
    names = pcsc.readers()
    assert SLOT0 in names and SLOT1 in names
    with PcscLink(names.index(SLOT1)) as by_index, PcscLink("00 01") as by_part:
        assert by_index.reader == by_part.reader == SLOT1
        assert by_index.atr[:1] == b"\x3B"
        assert by_index.protocol in (1, 2)
    with pytest.raises(CardError, match="no PC/SC reader #"):
        PcscLink(99)
    with pytest.raises(CardError, match="matches 2"):
        PcscLink("Virtual PCD")


def test_identity_dmcfg_acl(usim0: Usim, pcsc_card: Any) -> None:
    ident = usim0.identity()
    assert ident.iccid == pcsc_card.iccid and ident.imsi == pcsc_card.model.imsi
    assert (ident.mcc, ident.mnc) == ("001", "01")
    cfg = usim0.read_dmcfg()
    assert cfg is not None and cfg.servers[0].address == "dm.example.net"
    assert [b.apn for b in cfg.bearers] == ["dm.operator.example", "telemetry.example",
                                           "fota.example"]
    acl = usim0.read_acl()
    assert acl.listed and acl.enforced and acl.acl is not None
    assert acl.acl.apns == ("dm.operator.example", "telemetry.example", "fota.example", "")


def test_lwm2m_bootstrap_on_a_logical_channel(usim0: Usim) -> None:
    boot = usim0.read_lwm2m_bootstrap()
    assert isinstance(boot, lwm2m.BootstrapFile)
    sec = lwm2m.security_instances(boot)
    assert sec and sec[0].server_uri == "coap://bootstrap.example.net:5683"
    # the channel was closed: a new one can open again (the card has only 3)
    for _ in range(4):
        assert usim0.read_lwm2m_bootstrap() is not None


def test_missing_file(usim0: Usim) -> None:
    with pytest.raises(FileNotFound, match="3F007FFF5F4D4F09"):
        usim0.read_dmcfg("3F007FFF5F4D4F09")


def test_second_slot_pin_protected_file_before_and_after_verify(pcsc_card2: Any) -> None:
    with PcscLink(SLOT1) as link:
        link.reset()                       # PIN state from an earlier test is dropped
        usim = Usim(FileAccess(link))
        assert usim.iccid() == pcsc_card2.iccid
        with pytest.raises(SecurityStatusNotSatisfied):
            usim.read_dmcfg()
        state = usim.pin_status()
        assert not state.verified and state.retries == 3
        assert usim.verify_pin("73592468").verified
        assert usim.read_dmcfg() is not None
        assert usim.identity().imsi == pcsc_card2.model.imsi


def test_t0_get_response_is_done_by_the_library(pcsc_card: Any) -> None:
    with PcscLink(SLOT0) as link:
        data, sw = link.transmit(bytes.fromhex("00A40804022FE2"))
        assert sw == 0x9000 and data[:1] == b"\x62"
        assert link.stats.apdus == 2           # 61xx + GET RESPONSE through pcscd


def test_torn_dmcfg_after_an_ota_style_write(pcsc_card2: Any) -> None:
    """Corrupt one byte of EF.DMCFG with ADM (as a torn OTA update would), then restore it."""
    with PcscLink(SLOT1) as link:
        link.reset()
        usim = Usim(FileAccess(link))
        usim.verify_pin("73592468")
        original = usim.access.read_binary(usim.dmcfg_path)
        assert usim.read_dmcfg() is not None
        fa = FileAccess(link)
        assert link.send(bytes.fromhex("0020000A08") + b"11111111", "VERIFY ADM1") == b""
        crc_at = original.index(b"\x8F\x04") + 2
        try:
            fa.update_binary(usim.dmcfg_path, bytes([original[crc_at] ^ 0xFF]), crc_at)
            torn = Usim(FileAccess(link))
            with pytest.raises(ProfileIntegrityError):
                torn.read_dmcfg()
        finally:
            fa.update_binary(usim.dmcfg_path, original[crc_at:crc_at + 1], crc_at)
            link.reset()
        with pytest.raises(SecurityStatusNotSatisfied):  # reset dropped PIN and ADM
            Usim(FileAccess(link)).read_dmcfg()


def test_card_removed_mid_read(removable_card: Any) -> None:
    link = PcscLink(SLOT1)
    try:
        fa = FileAccess(link)
        assert fa.read_binary("3F002FE2", length=10)
        stopper = threading.Timer(0.05, removable_card.stop)
        stopper.start()
        with pytest.raises(CardRemoved) as err:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                fa.read_binary("3F002FE2", length=10)
                fa.forget()
        stopper.join()
        assert "re-insert" in str(err.value)
    finally:
        link.close()
    # Once pcscd's presence poll has seen the removal, opening fails fast and clearly.
    deadline = time.monotonic() + 3
    while True:
        try:
            PcscLink(SLOT1, wait=0.2).close()
        except CardError as exc:
            assert "no card" in str(exc) or isinstance(exc, CardRemoved)
            break
        assert time.monotonic() < deadline, "pcscd still reports the card after 3 s"
        time.sleep(0.1)


def test_no_pcscd_says_start_it(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = pcsc._scard()

    def no_service(scope: int) -> tuple[int, int]:
        return pcsc.SCARD_E_NO_SERVICE - (1 << 32), 0

    monkeypatch.setattr(sc, "SCardEstablishContext", no_service)
    with pytest.raises(CardError, match="start the PC/SC daemon"):
        pcsc.readers()


def test_without_pyscard_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def fake(name: str, *a: Any, **k: Any) -> Any:
        if name.startswith("smartcard"):
            raise ImportError("no pyscard")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(CardError, match="pip install"):
        pcsc.readers()


def test_t1_reader_gets_le_on_select_with_fcp() -> None:
    """On T=1 the transport adds Le=00 to a SELECT asking for the FCP (case 4)."""
    sent: list[bytes] = []

    class FakeScard:
        SCARD_PROTOCOL_T1 = 2
        SCARD_S_SUCCESS = 0

        def SCardTransmit(self, card: object, pci: object,
                          apdu: list[int]) -> tuple[int, list[int]]:
            sent.append(bytes(apdu))
            return 0, [0x62, 0x00, 0x90, 0x00]

    link = PcscLink.__new__(PcscLink)
    link.stats = LinkStats()
    link.generation = 0
    link.name, link.reader, link.protocol = "fake", "fake", 2
    link._sc, link._card, link._pci = FakeScard(), object(), None
    link.transmit(bytes.fromhex("00A40804047FFF6F57"))
    link.transmit(bytes.fromhex("00A4080C047FFF6F57"))
    link.transmit(bytes.fromhex("00B000000A"))
    assert [s.hex().upper() for s in sent] == ["00A40804047FFF6F5700", "00A4080C047FFF6F57",
                                               "00B000000A"]
