"""C-APDU builders for the commands the card layer sends (TS 102 221 §10-11).

Kept apart from the transports so every back end sends byte-identical
commands and a test can compare APDUs without a card. Case-4 commands
(SELECT returning an FCP) are built *without* Le: that is the T=0 form
(ISO 7816-3 §12.2.5), the card answers 61xx and the T=0 wrapper fetches
the data; it works unchanged on T=1 readers and through +CSIM.
"""

from me_lib.errors import CardError

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_UPDATE_BINARY = 0xD6
INS_READ_RECORD = 0xB2
INS_UPDATE_RECORD = 0xDC
INS_GET_RESPONSE = 0xC0
INS_VERIFY = 0x20
INS_MANAGE_CHANNEL = 0x70
INS_STATUS = 0xF2

# Instructions whose data field is a PIN or PUK: never logged.
SECRET_INS = (0x20, 0x24, 0x26, 0x28, 0x2C)

SELECT_FCP = 0x04
SELECT_NO_DATA = 0x0C


def build(cla: int, ins: int, p1: int, p2: int, data: bytes = b"",
          le: int | None = None) -> bytes:
    """A short C-APDU; `le` 256 is coded 00. Refuses what cannot be coded short."""
    for name, v in (("CLA", cla), ("INS", ins), ("P1", p1), ("P2", p2)):
        if not 0 <= v <= 0xFF:
            raise CardError("cannot build APDU: %s=%r out of range" % (name, v))
    if len(data) > 255:
        raise CardError("cannot build APDU: %d data bytes exceed a short APDU" % len(data))
    out = bytes((cla, ins, p1, p2))
    if data:
        out += bytes((len(data),)) + bytes(data)
    if le is not None:
        if not 0 < le <= 256:
            raise CardError("cannot build APDU: Le=%r out of range 1..256" % le)
        out += bytes((le & 0xFF,))
    return out


def fid_bytes(fids: tuple[int, ...] | list[int]) -> bytes:
    return b"".join(f.to_bytes(2, "big") for f in fids)


def select_fid(fid: int, p2: int = SELECT_FCP, cla: int = 0x00) -> bytes:
    return build(cla, INS_SELECT, 0x00, p2, fid.to_bytes(2, "big"))


def select_path_from_mf(fids: tuple[int, ...], p2: int = SELECT_FCP, cla: int = 0x00) -> bytes:
    """SELECT by path from MF (P1=08): `fids` exclude the MF itself."""
    return build(cla, INS_SELECT, 0x08, p2, fid_bytes(fids))


def select_aid(aid: bytes, p2: int = SELECT_NO_DATA, cla: int = 0x00) -> bytes:
    return build(cla, INS_SELECT, 0x04, p2, aid)


def read_binary(offset: int, le: int, sfi: int | None = None, cla: int = 0x00) -> bytes:
    """READ BINARY: with `sfi` the offset is limited to 0..255 (P1 = 0x80|SFI)."""
    if sfi is not None:
        if not 0 < sfi <= 30 or not 0 <= offset <= 255:
            raise CardError("cannot build READ BINARY with SFI %r at offset %d" % (sfi, offset))
        return build(cla, INS_READ_BINARY, 0x80 | sfi, offset, le=le)
    if not 0 <= offset <= 0x7FFF:
        raise CardError("READ BINARY offset %d beyond 32767" % offset)
    return build(cla, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=le)


def update_binary(offset: int, data: bytes, cla: int = 0x00) -> bytes:
    if not 0 <= offset <= 0x7FFF:
        raise CardError("UPDATE BINARY offset %d beyond 32767" % offset)
    return build(cla, INS_UPDATE_BINARY, offset >> 8, offset & 0xFF, data)


def read_record(record: int, le: int, sfi: int | None = None, cla: int = 0x00) -> bytes:
    """READ RECORD absolute (P2 b3-b1 = 100), of the current EF or of `sfi`."""
    if not 0 < record <= 254:
        raise CardError("record number %r out of range 1..254" % record)
    p2 = ((sfi or 0) << 3) | 0x04
    return build(cla, INS_READ_RECORD, record, p2, le=le)


def update_record(record: int, data: bytes, cla: int = 0x00) -> bytes:
    if not 0 < record <= 254:
        raise CardError("record number %r out of range 1..254" % record)
    return build(cla, INS_UPDATE_RECORD, record, 0x04, data)


def verify(key_ref: int, pin: bytes | None, cla: int = 0x00) -> bytes:
    """VERIFY; `pin` None asks for the retry counter without spending a try."""
    return build(cla, INS_VERIFY, 0x00, key_ref, pin or b"")


def pad_pin(pin: str) -> bytes:
    """ASCII digits padded with FF to 8 bytes (TS 102 221 §9.5.1)."""
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise CardError("a PIN is 4 to 8 decimal digits",
                        "check the PIN source (environment or file)")
    return pin.encode("ascii") + b"\xFF" * (8 - len(pin))


def manage_channel_open(cla: int = 0x00) -> bytes:
    return build(cla, INS_MANAGE_CHANNEL, 0x00, 0x00, le=1)


def manage_channel_close(channel: int, cla: int = 0x00) -> bytes:
    return build(cla, INS_MANAGE_CHANNEL, 0x80, channel)


def with_channel(cla: int, channel: int) -> int:
    """CLA carrying logical channel `channel` (ISO 7816-4 §5.4.1)."""
    if cla == 0xA0 or channel == 0:
        return cla
    proprietary = cla & 0x80
    if channel <= 3:
        return proprietary | (cla & 0x30) | channel
    if channel <= 19:
        return proprietary | 0x40 | (channel - 4)
    raise CardError("logical channel %d beyond 19" % channel)


def get_response_cla(cla: int) -> int:
    """CLA for GET RESPONSE after `cla`: same logical channel, interindustry class."""
    if cla == 0xA0:
        return 0xA0
    if cla & 0x40:
        return 0x40 | (cla & 0x0F)
    return cla & 0x03


def redacted_hex(apdu: bytes) -> str:
    """Hex for logs and messages; the data of PIN-carrying commands is masked."""
    if len(apdu) > 5 and apdu[1] in SECRET_INS:
        return apdu[:5].hex().upper() + "***"
    return apdu.hex().upper()
