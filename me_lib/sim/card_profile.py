"""Card profiles: a few lines of TOML describe a whole virtual USIM.

A test or a demo says what is *on* the card (identities, PINs, the DM server and
APNs, the ACL, the LwM2M bootstrap) and this module lays out the file system a
real UICC would have, encoding each file with the `me_lib.codec` encoders, so a
reader of the card and the writer here share one definition of every format.

Format (every section and key is optional unless marked; unknown keys are
refused so a typo does not silently give a different card)::

    [card]
    iccid = "89882806660000000010"      # 19-20 digits (EF_ICCID 2FE2, SFI 02)
    imsi = "001010123456789"            # EF_IMSI 6F07
    mnc_length = 2                      # EF_AD byte 4 (2 or 3)
    atr = "3B9F96801FC7..."             # default: a T=0 UICC ATR
    pin1 = "0000"                       # PIN1 (key 01), 4-8 digits
    pin1_enabled = false                # true: PIN1 files need VERIFY first
    puk1 = "12345678"
    pin2 = "0000"                       # PIN2 (key 81, UPDATE of EF_ACL/EF_EST)
    puk2 = "12345678"
    adm1 = "12345678"                   # ADM1 (key 0A, UPDATE of EF.DMCFG ...)
    pin_retries = 3                     # tries left on PIN1/PIN2 (max 3 unless set)
    puk_retries = 10
    adm_retries = 10
    usim_aid = "A0000000871002FF33FF018900000100"
    services = [10, 12, 27]             # EF_UST; default adds n°35 when [acl] is given
    acl_enabled = true                  # EF_EST n°3 (default: true when [acl] is given)
    implicit_usim = true                # basic channel starts with ADF.USIM current
    sw_style = "uicc"                   # "gsm": SELECT answers 9Fxx, not 61xx (TS 51.011)
    efdir_padding = false               # true: EF_DIR records carry 00/FF padding before,
                                        # between and inside the BER-TLV objects (ISO/IEC
                                        # 7816-4 §5.2.2.1 allows it; some issuers do it)

    [dmcfg]                             # EF.DMCFG 3F00/7FFF/5F4D/4F01 (SFI 01)
    hex = "8001..."                     # raw content, or the structured form below
    sequence = 1                        # tag 81
    size = 256                          # EF size, FF padded (default: 256)
    read = "pin"                        # "pin" (PIN1) or "always"
    crc = true                          # add tag 8F
    corrupt_crc = false                 # true: flip the CRC (a torn OTA write)

    [[dmcfg.server]]                    # 1..n, order = priority
    address = "dm.example.net"          # FQDN, IPv4, IPv6 or URI (required)
    kind = "auto"                       # auto (from the text), fqdn, ipv4, ipv6, uri
    port = 5683
    protocol = "coap"                   # name (coap, coaps, coap+tcp, coaps+tcp, oma-dm,
                                        # https, mqtt, mqtts) or number 1-8
    bearer = 0                          # index into [[dmcfg.bearer]]

    [[dmcfg.bearer]]                    # 1..n, the first one is APN0
    apn = "dm.operator.example"         # "" = network-provided (required)
    pdn_type = "ip"                     # ip, ipv6, ipv4v6, non-ip, or 1-4
    auth = "none"                       # none, pap, chap, or 0-2
    username = "user"
    password = "secret"
    services = ["telemetry"]

    [acl]                               # EF_ACL 6F57 (read PIN1, update PIN2)
    apns = ["dm.operator.example", ""]  # "" = network-provided (DD 00)
    size = 64

    [ursp]                              # EF_URSP 3F00/7FFF/5FC0/4F0B (UST n°132 added
                                        # unless services is given); me_lib/sim/card_ursp.py
    [[ursp.plmn]]                       # has the keys: rules per PLMN, routes per rule

    [lwm2m]                             # PKCS#15 application, LwM2M Appendix G
    server_uri = "coaps://bootstrap.example.net:5684"   # (required)
    bootstrap = true                    # Security object resource 1
    security_mode = 3                   # 0-4 or psk, rpk, certificate, nosec (default),
                                        # certificate-est
    short_server_id = 1
    wrapped_oid = false                 # true: DODF stores 06 06 06 04 67 2B 09 01
    size = 128                          # EF LwM2M_Bootstrap size, FF padded (default: exact)

    [[files]]                           # raw extra files (parent DFs are created)
    path = "3F007FFF6F46"               # absolute; "<AID hex>/<path>" for another ADF
    structure = "transparent"           # or "linear_fixed"
    hex = "..."                         # transparent content
    records = ["...", "..."]            # linear fixed records (record_length pads)
    record_length = 32
    sfi = 5
    read = "PIN1"                       # ALW, PIN1, PIN2, ADM, NEV
    update = "ADM"
    name = "EF_XYZ"                     # for logs only

File layout: MF 3F00 { EF_DIR 2F00 (linear fixed, SFI 1E: USIM record and, with
[lwm2m], the PKCS#15 record), EF_ICCID 2FE2 }, ADF.USIM (7FFF) { EF_IMSI 6F07,
EF_AD 6FAD, EF_UST 6F38, EF_EST 6F56, EF_ACL 6F57, DF 5F4D { EF.DMCFG 4F01 },
DF_5GS 5FC0 { EF_URSP 4F0B } },
ADF.PKCS#15 A000000063504B43532D3135 { EF(ODF) 5031, EF(DODF) 6430,
EF LwM2M_Bootstrap 6432 }.
"""

import tomllib
from pathlib import Path
from typing import Any

from me_lib.card.catalogue import EFS, PATH, SFI, STRUCTURE
from me_lib.codec import acl, efdir, ids, pkcs15, services, tlv
from me_lib.errors import ProfileError
from me_lib.sim import profile_fields as fields
from me_lib.sim.card import DEFAULT_ATR, CardParts
from me_lib.sim.card_dmcfg import encode_section
from me_lib.sim.card_pkcs15 import build_files
from me_lib.sim.card_ursp import encode_section as encode_ursp
from me_lib.sim.fs import (
    ACCESS_CONDITIONS,
    ADF_FID,
    ADM,
    ALW,
    DF,
    EF,
    MF_FID,
    NEV,
    PIN1,
    PIN2,
    STRUCTURES,
    TRANSPARENT,
    split_path,
)
from me_lib.sim.pins import KEY_ADM1, KEY_PIN1, KEY_PIN2, Pin, pad_pin, valid_pin_block

PROFILES_DIR = Path(__file__).with_name("profiles")
DEFAULT_USIM_AID = "A0000000871002FF33FF018900000100"
EF_DIR_RECORD = 48
DEFAULT_SERVICES = (10, 12, 27)  # SMS, SMS parameters, GSM access
UST_ACL, EST_ACL = 35, 3

_CARD_KEYS = ("iccid", "imsi", "mnc_length", "atr", "pin1", "pin1_enabled", "puk1", "pin2",
              "puk2", "adm1", "pin_retries", "puk_retries", "adm_retries", "usim_aid",
              "services", "acl_enabled", "implicit_usim", "sw_style", "efdir_padding")
SW_STYLES = ("uicc", "gsm")
_TOP_KEYS = ("card", "dmcfg", "acl", "lwm2m", "files", "ursp")
UST_URSP = 132


def default_profile_path() -> Path:
    """The packaged ready card (no PIN, DM server, two service APNs, ACL, LwM2M)."""
    return PROFILES_DIR / "default.toml"


def load_parts(path: str | Path) -> CardParts:
    """Read a profile TOML file and lay out its card."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ProfileError("cannot read card profile %s: %s" % (path, exc.strerror),
                           "give an existing TOML file, e.g. me_lib/sim/profiles/default.toml"
                           ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError("card profile %s is not valid TOML: %s" % (path, exc),
                           "fix the TOML syntax at the reported line") from None
    except UnicodeDecodeError as exc:
        # the position only: the file holds the PIN and PUK
        raise ProfileError("card profile %s is not UTF-8 text (byte %d cannot be decoded)"
                           % (path, exc.start), "save it as UTF-8") from None
    return build_parts(data, str(path))


def build_parts(data: dict[str, Any], source: str = "profile") -> CardParts:
    """Lay out the file system and PINs for a parsed profile."""
    if not isinstance(data, dict):
        raise ProfileError("%s: a profile is a table of sections" % source)
    fields.check_keys(data, _TOP_KEYS, source)
    card = fields.table(data, "card", source)
    fields.check_keys(card, _CARD_KEYS, source + " [card]")
    where = source + " [card]"

    mf = DF(MF_FID, "MF")
    usim_aid = fields.hex_bytes(card, "usim_aid", where, DEFAULT_USIM_AID)
    if not 1 <= len(usim_aid) <= 16:
        raise ProfileError("%s: usim_aid has %d bytes" % (where, len(usim_aid)),
                           "an AID is 1 to 16 bytes, e.g. A0000000871002FF...")
    usim = DF(ADF_FID, "ADF.USIM", aid=usim_aid)
    usim.parent = mf
    adfs = [usim]

    iccid = fields.text(card, "iccid", where, "89882806660000000010")
    imsi = fields.text(card, "imsi", where, "001010123456789")
    mnc_length = fields.integer(card, "mnc_length", where, 2)
    if mnc_length not in (2, 3):
        raise ProfileError("%s: mnc_length is %d" % (where, mnc_length), "use 2 or 3")
    with fields.errors_in(where):
        mf.add(_ef("EF_ICCID", ids.encode_iccid(iccid), ALW, NEV))
        usim.add(_ef("EF_IMSI", ids.encode_imsi(imsi), PIN1, ADM))
        usim.add(_ef("EF_AD", ids.encode_ad(ids.AdminData(mnc_byte=mnc_length)), ALW, ADM))

    has_acl = "acl" in data
    service_list = _services(card, where)
    if has_acl and "services" not in card:
        service_list.append(UST_ACL)
    if "ursp" in data and "services" not in card:
        service_list.append(UST_URSP)
    acl_enabled = fields.flag(card, "acl_enabled", where, has_acl)
    with fields.errors_in(where + " services"):
        ust_len = max(8, (max(service_list, default=1) + 7) // 8)
        usim.add(_ef("EF_UST", services.encode(service_list, ust_len), PIN1, ADM))
        usim.add(_ef("EF_EST", services.encode([EST_ACL] if acl_enabled else [], 1),
                     PIN1, PIN2))

    if has_acl:
        usim.add(_acl_file(fields.table(data, "acl", source), source + " [acl]"))
    if "dmcfg" in data:
        dmcfg_df = DF(EFS["EF.DMCFG"][PATH][-2], "DF.DMCFG")
        usim.add(dmcfg_df)
        dmcfg_df.add(_dmcfg_file(fields.table(data, "dmcfg", source), source + " [dmcfg]"))

    if "ursp" in data:
        df_5gs = DF(EFS["EF_URSP"][PATH][-2], "DF_5GS")
        usim.add(df_5gs)
        df_5gs.add(_ursp_file(fields.table(data, "ursp", source), source + " [ursp]"))

    apps = [efdir.Application(usim_aid, "USIM")]
    if "lwm2m" in data:
        pkcs15_adf = _pkcs15_adf(fields.table(data, "lwm2m", source), source + " [lwm2m]")
        pkcs15_adf.parent = mf
        adfs.append(pkcs15_adf)
        apps.append(efdir.Application(pkcs15.AID, "PKCS#15"))
    padded = fields.flag(card, "efdir_padding", where, False)
    with fields.errors_in(source + " EF_DIR"):
        records = b"".join(_padded_dir_record(app) if padded
                           else efdir.encode(app, EF_DIR_RECORD) for app in apps)
        records += b"\xff" * EF_DIR_RECORD * (4 - len(apps))
    mf.add(_ef("EF_DIR", records, ALW, ADM, EF_DIR_RECORD))

    files = data.get("files", [])
    if not isinstance(files, list):
        raise ProfileError("%s: files must be an array of tables" % source,
                           "write each extra file as [[files]]")
    for i, spec in enumerate(files):
        _add_raw_file(mf, adfs, spec, "%s [[files]] #%d" % (source, i + 1))

    sw_style = fields.text(card, "sw_style", where, "uicc")
    if sw_style not in SW_STYLES:
        raise ProfileError("%s: sw_style is %r" % (where, sw_style),
                           "use one of %s" % ", ".join(SW_STYLES))
    return CardParts(mf=mf, adfs=adfs, pins=_pins(card, where),
                     atr=fields.hex_bytes(card, "atr", where, DEFAULT_ATR.hex()),
                     implicit_usim=fields.flag(card, "implicit_usim", where, True),
                     sw_style=sw_style, extra=data)


def _padded_dir_record(app: efdir.Application) -> bytes:
    """An EF_DIR record laid out the way ISO/IEC 7816-4 §5.2.2.1 permits, not the
    way me_lib writes it: `00 00` before the template, `FF FF` between the AID and
    the label inside it, `00` after it, then `FF` to the record length."""
    inner = tlv.encode_one(efdir.TAG_AID, app.aid) + b"\xff\xff"
    if app.label is not None:
        inner += tlv.encode_one(efdir.TAG_LABEL, app.label.encode("utf-8"))
    record = b"\x00\x00" + tlv.encode_one(efdir.TAG_TEMPLATE, inner) + b"\x00"
    if len(record) > EF_DIR_RECORD:
        raise ProfileError("padded EF_DIR record of %d bytes exceeds %d"
                           % (len(record), EF_DIR_RECORD), "use a shorter AID or label")
    return record + b"\xff" * (EF_DIR_RECORD - len(record))


def _ef(name: str, content: bytes, read: str, update: str, record_length: int = 0) -> EF:
    """The catalogue's EF `name` (FID, SFI, structure) holding `content`."""
    row = EFS[name]
    return EF(row[PATH][-1], name, structure=row[STRUCTURE], data=bytearray(content),
              record_length=record_length, sfi=row[SFI], read=read, update=update)


# --- sections -----------------------------------------------------------------


def _services(card: dict[str, Any], where: str) -> list[int]:
    value = card.get("services", list(DEFAULT_SERVICES))
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        raise ProfileError("%s: services must be a list of service numbers" % where,
                           "e.g. services = [10, 12, 27, 35]")
    return list(value)


def _pins(card: dict[str, Any], where: str) -> dict[int, Pin]:
    tries = fields.integer(card, "pin_retries", where, 3)
    puk_tries = fields.integer(card, "puk_retries", where, 10)
    adm_tries = fields.integer(card, "adm_retries", where, 10)
    for name, value in (("pin_retries", tries), ("puk_retries", puk_tries),
                        ("adm_retries", adm_tries)):
        if not 0 <= value <= 15:
            raise ProfileError("%s: %s = %d" % (where, name, value),
                               "a retry counter is 0 (blocked) to 15")

    def block(key: str, default: str) -> bytes:
        value = fields.text(card, key, where, default)
        padded = pad_pin(value) if value.isascii() else b""
        if not valid_pin_block(padded):
            raise ProfileError("%s: %s must be 4 to 8 digits" % (where, key),
                               "write it as a quoted string, e.g. %s = \"1234\"" % key)
        return padded

    pin1 = Pin(KEY_PIN1, block("pin1", "0000"), max(3, tries), tries,
               enabled=fields.flag(card, "pin1_enabled", where, False), can_disable=True,
               puk=block("puk1", "12345678"), puk_max_retries=max(10, puk_tries),
               puk_retries=puk_tries)
    pin2 = Pin(KEY_PIN2, block("pin2", "0000"), max(3, tries), tries,
               puk=block("puk2", "12345678"), puk_max_retries=max(10, puk_tries),
               puk_retries=puk_tries)
    adm = Pin(KEY_ADM1, block("adm1", "12345678"), max(10, adm_tries), adm_tries)
    return {KEY_PIN1: pin1, KEY_PIN2: pin2, KEY_ADM1: adm}


def _acl_file(sec: dict[str, Any], where: str) -> EF:
    fields.check_keys(sec, ("apns", "size"), where)
    apns = fields.strings(sec, "apns", where, "[\"internet\", \"\"] (\"\" = network-provided)")
    size = fields.integer(sec, "size", where, 64)
    with fields.errors_in(where):
        content = acl.encode(acl.Acl(tuple(apns)), size)
    return _ef("EF_ACL", content, PIN1, PIN2)


def _add_raw_file(mf: DF, adfs: list[DF], spec: object, where: str) -> None:
    if not isinstance(spec, dict):
        raise ProfileError("%s: each [[files]] entry is a table" % where)
    fields.check_keys(spec, ("path", "structure", "hex", "records", "record_length", "sfi", "read",
                       "update", "name"), where)
    path = fields.text(spec, "path", where, "")
    parent, fid = _parent_for(mf, adfs, path, where)
    structure = fields.text(spec, "structure", where, TRANSPARENT)
    if structure not in STRUCTURES:
        raise ProfileError("%s: structure %r" % (where, structure),
                           "use one of " + ", ".join(STRUCTURES))
    read = fields.text(spec, "read", where, ALW).upper()
    update = fields.text(spec, "update", where, ADM).upper()
    for key, value in (("read", read), ("update", update)):
        if value not in ACCESS_CONDITIONS:
            raise ProfileError("%s: %s = %r" % (where, key, value),
                               "use one of " + ", ".join(ACCESS_CONDITIONS))
    sfi = spec.get("sfi")
    if sfi is not None and (not isinstance(sfi, int) or not 1 <= sfi <= 30):
        raise ProfileError("%s: sfi = %r" % (where, sfi), "an SFI is 1 to 30")
    ef = EF(fid, fields.text(spec, "name", where, path), structure=structure, sfi=sfi, read=read,
            update=update)
    if structure == TRANSPARENT:
        ef.data = bytearray(fields.hex_bytes(spec, "hex", where, ""))
    else:
        records = spec.get("records", [])
        if not isinstance(records, list) or not records:
            raise ProfileError("%s: a linear fixed file needs records = [\"hex\", ...]" % where)
        raw = [fields.hex_bytes({"record": r}, "record", where, "") for r in records]
        length = fields.integer(spec, "record_length", where, max(len(r) for r in raw))
        if not 1 <= length <= 255 or any(len(r) > length for r in raw):
            raise ProfileError("%s: record_length %d does not hold every record" % (where, length),
                               "records are 1 to 255 bytes; shorten them or raise record_length")
        ef.record_length = length
        ef.data = bytearray(b"".join(r + b"\xff" * (length - len(r)) for r in raw))
    parent.add(ef)


def _parent_for(mf: DF, adfs: list[DF], path: str, where: str) -> tuple[DF, int]:
    """The DF that will hold `path`'s last FID (creating missing DFs), and that FID."""
    try:
        node, fids = split_path(path, mf, adfs)
    except ValueError as exc:
        raise ProfileError("%s: %s" % (where, exc), "e.g. path = \"3F007FFF6F46\"") from None
    if not fids:
        raise ProfileError("%s: path %r names no file" % (where, path))
    for fid in fids[:-1]:
        child = node.child(fid)
        if child is None:
            child = node.add(DF(fid, "DF %04X" % fid))
        if not isinstance(child, DF):
            raise ProfileError("%s: %04X in %s is an EF, not a DF" % (where, fid, path))
        node = child
    return node, fids[-1]


def _dmcfg_file(sec: dict[str, Any], where: str) -> EF:
    read = fields.text(sec, "read", where, "pin").lower()
    if read not in ("pin", "always"):
        raise ProfileError("%s: read = %r" % (where, read), "use \"pin\" or \"always\"")
    return _ef("EF.DMCFG", encode_section(sec, where), PIN1 if read == "pin" else ALW, ADM)


def _ursp_file(sec: dict[str, Any], where: str) -> EF:
    read = fields.text(sec, "read", where, "pin").lower()
    if read not in ("pin", "always"):
        raise ProfileError("%s: read = %r" % (where, read), "use \"pin\" or \"always\"")
    return _ef("EF_URSP", encode_ursp(sec, where), PIN1 if read == "pin" else ALW, ADM)


def _pkcs15_adf(sec: dict[str, Any], where: str) -> DF:
    adf = DF(ADF_FID, "ADF.PKCS15", aid=pkcs15.AID)
    for fid, name, content in build_files(sec, where):
        adf.add(EF(fid, name, data=bytearray(content), read=ALW, update=ADM))
    return adf
