"""PIN1/PIN2/ADM: retry counters, 6982 before VERIFY, block and unblock, enable/disable."""

from me_lib.sim.card import VirtualCard

from ._helpers import Tx, sender

PIN_RIGHT = "3733353932343638"  # 73592468, the cards' PIN1
PIN_0000 = "30303030FFFFFFFF"
PIN_9999 = "39393939FFFFFFFF"
PUK1 = "3836343230393735"       # 86420975


def test_security_status_before_and_after_verify(ptx: Tx) -> None:
    assert ptx("00A4080C047FFF6F07")[1] == 0x9000
    assert ptx("00B0000009")[1] == 0x6982
    assert ptx("00B0870009")[1] == 0x6982           # SFI form checks too
    assert ptx("00A4080C067FFF5F4D4F01")[1] == 0x9000
    assert ptx("00B0000010")[1] == 0x6982
    assert ptx("0020000108" + PIN_RIGHT)[1] == 0x9000
    assert ptx("00B0000010")[1] == 0x9000
    assert ptx("00A4080C022FE2")[1] == 0x9000       # ALW files never needed it
    assert ptx("00B000000A")[1] == 0x9000


def test_verify_without_data_spends_nothing(ptx: Tx) -> None:
    assert ptx("0020000100")[1] == 0x63C3           # ModemManager's form (P3 = 00)
    assert ptx("00200001")[1] == 0x63C3             # case 1
    assert ptx("0020000108" + PIN_9999)[1] == 0x63C2
    assert ptx("00200001")[1] == 0x63C2
    assert ptx("0020000108" + PIN_RIGHT)[1] == 0x9000
    assert ptx("00200001")[1] == 0x9000             # verified
    assert ptx("0020008100")[1] == 0x63C3           # PIN2 counter is separate
    assert ptx("002C000100")[1] == 0x63CA           # PUK1 tries


def test_block_and_unblock(pin_card: VirtualCard) -> None:
    tx = sender(pin_card)
    for left in (2, 1, 0):
        assert tx("0020000108" + PIN_9999)[1] == 0x63C0 | left
    assert tx("0020000108" + PIN_RIGHT)[1] == 0x6983  # blocked: right PIN refused too
    assert tx("00200001")[1] == 0x6983
    assert tx("0026000108" + PIN_RIGHT)[1] == 0x6983
    assert tx("002C000110" + "3030303030303030" + PIN_0000)[1] == 0x63C9  # wrong PUK
    assert tx("002C000110" + PUK1 + "3031FFFFFFFFFFFF")[1] == 0x6A80      # new PIN too short
    assert tx("002C000110" + PUK1 + PIN_0000)[1] == 0x9000
    assert tx("00200001")[1] == 0x9000                # unblock verifies
    pin_card.reset()
    assert tx("00200001")[1] == 0x63C3                # counter back to max
    assert tx("0020000108" + PIN_0000)[1] == 0x9000
    assert tx("002C000108" + PUK1)[1] == 0x6700
    assert tx("002C000A00")[1] == 0x6A88               # ADM has no PUK


def test_puk_exhausted(ptx: Tx) -> None:
    for left in range(9, -1, -1):
        assert ptx("002C000110" + "3030303030303030" + PIN_0000)[1] == 0x63C0 | left
    assert ptx("002C000110" + PUK1 + PIN_0000)[1] == 0x6983
    assert ptx("002C000100")[1] == 0x6983


def test_change_pin(ptx: Tx) -> None:
    assert ptx("0024000110" + PIN_9999 + PIN_0000)[1] == 0x63C2
    assert ptx("0024000110" + PIN_RIGHT + "3030FFFFFFFFFFFF")[1] == 0x6A80
    assert ptx("0024000110" + PIN_RIGHT + PIN_0000)[1] == 0x9000
    assert ptx("0020000108" + PIN_RIGHT)[1] == 0x63C2
    assert ptx("0020000108" + PIN_0000)[1] == 0x9000
    assert ptx("0024000108" + PIN_0000)[1] == 0x6700


def test_disable_enable_pin1(pin_card: VirtualCard) -> None:
    tx = sender(pin_card)
    assert tx("0026000108" + PIN_9999)[1] == 0x63C2
    assert tx("0026000108" + PIN_RIGHT)[1] == 0x9000
    assert tx("0026000108" + PIN_RIGHT)[1] == 0x6985   # already disabled
    assert tx("0024000110" + PIN_RIGHT + PIN_0000)[1] == 0x6984  # change needs it enabled
    pin_card.reset()
    assert tx("00A4080C047FFF6F07")[1] == 0x9000
    assert tx("00B0000009")[1] == 0x9000               # disabled PIN1 opens PIN1 files
    assert tx("0028000108" + PIN_RIGHT)[1] == 0x9000
    pin_card.reset()
    assert tx("00A4080C047FFF6F07")[1] == 0x9000
    assert tx("00B0000009")[1] == 0x6982
    assert tx("0026008108" + PIN_RIGHT)[1] == 0x6985   # PIN2 cannot be disabled


def test_pin_status_template_follows_enable(pin_card: VirtualCard) -> None:
    from me_lib.codec import fcp

    tx = sender(pin_card)

    def enabled() -> bool | None:
        _data, sw = tx("00A40004027FFF")
        data, _sw = tx("00C00000%02X" % (sw & 0xFF))
        status = fcp.decode(data).pin_status
        assert status is not None
        return status.enabled(0x01)

    assert enabled() is True
    assert tx("0026000108" + PIN_RIGHT)[1] == 0x9000
    assert enabled() is False


def test_pin2_and_adm_conditions(tx: Tx) -> None:
    assert tx("00A4080C047FFF6F57")[1] == 0x9000      # EF_ACL: update PIN2
    assert tx("00D6000001FF")[1] == 0x6982
    assert tx("0020008108" + "35363738FFFFFFFF")[1] == 0x9000
    assert tx("00D6000001FF")[1] == 0x9000
    assert tx("0020000A08" + "3030303030303030")[1] == 0x63C9  # ADM: 10 tries
    assert tx("0020000308" + PIN_RIGHT)[1] == 0x6A88            # unknown key reference
    assert tx("0020010108" + PIN_RIGHT)[1] == 0x6A86            # P1 must be 00
    assert tx("002000010431323334")[1] == 0x6700               # not 8 bytes
