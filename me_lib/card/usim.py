"""The USIM as the provisioning flow sees it: identity, EF.DMCFG, EF_ACL, LwM2M bootstrap, PIN.

`Usim` works on any file access (`FileAccess` over PC/SC, +CSIM or +CGLA, or
`CrsmAccess`), so the flow reads the same files the same way whatever the
hardware. What needs raw APDUs (PIN status and VERIFY, the PKCS#15
application on a logical channel) uses the access's link, or an explicit
`apps` opener (e.g. `CglaOpener` next to a +CRSM access).

PIN safety: `verify_pin` asks the retry counter first (VERIFY without data,
which spends no try) and refuses to send a VERIFY when fewer than `min_tries`
are left, so a wrong PIN in a device config can never block a fleet of cards.
PINs are never logged (the link masks VERIFY data, the AT layer masks +CSIM).

Portable: a MicroPython board reads identity, EF.DMCFG and EF_ACL through
`CrsmAccess`. What only APDU links or the LwM2M bootstrap need (EF_DIR,
VERIFY, the PKCS#15 walk: `card/usim_apdu.py`, a base class of `Usim` on CPython;
apdu, files, efdir, pkcs15, lwm2m, imported inside the methods that use them) is
not shipped to a board; the LwM2M bootstrap and `pin_status` raise a CardError there.
"""

from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.catalogue import EFS, PATH, SFI
from me_lib.codec import acl as acl_codec
from me_lib.codec import dmcfg as dmcfg_codec
from me_lib.codec import ids, services
from me_lib.codec._common import Model
from me_lib.errors import (
    CardError,
    FileNotFound,
    SecurityStatusNotSatisfied,
)
from me_lib.log import get_logger

try:
    # construct declarations of EF.DMCFG / EF_ACL (CPython); the same models and
    # rejections as the small portable decoders that stand in on MicroPython.
    from me_lib.codec.declared import decode_acl, decode_dmcfg
except ImportError:
    decode_dmcfg = dmcfg_codec.decode
    decode_acl = acl_codec.decode

try:
    # Names for annotations only (and the protocols, for CPython callers): the methods that need
    # files/efdir/lwm2m/pkcs15 at run time import them (CPython).
    from me_lib.card.files import FileAccess
    from me_lib.card.link import CardLink
    from me_lib.card.protocols import AppOpener as AppOpener
    from me_lib.card.protocols import CardAccess as CardAccess
    from me_lib.codec import efdir, lwm2m
except ImportError:  # MicroPython: the protocols are not shipped, nothing checks types
    pass

log = get_logger("me_lib.card")

MF = P.MF
EF_ICCID = EFS["EF_ICCID"][PATH]
EF_DIR = EFS["EF_DIR"][PATH]
EF_IMSI = EFS["EF_IMSI"][PATH]
EF_AD = EFS["EF_AD"][PATH]
EF_UST = EFS["EF_UST"][PATH]
EF_EST = EFS["EF_EST"][PATH]
EF_ACL = EFS["EF_ACL"][PATH]
EF_URSP = EFS["EF_URSP"][PATH]
DMCFG_PATH = EFS["EF.DMCFG"][PATH]
#: Bytes read to find EF.DMCFG's sequence number: 80 01 vv, 81 (1 to 4) ss...
DMCFG_HEAD = 9

#: SFIs of the catalogue's files: reads without SELECT.
STANDARD_SFI: dict[P.Path, int] = {}
for _row in EFS.values():
    if _row[SFI] is not None:
        STANDARD_SFI[_row[PATH]] = _row[SFI]

KEY_PIN1 = 0x01
KEY_PIN2 = 0x81

_HINT_CPYTHON = ("the LwM2M bootstrap source needs the PKCS#15 decoders, which run on "
                 "CPython only; on a board provision the DM server in EF.DMCFG instead")


class Identity(Model):
    """Who the card is: the flow keys its cache on `iccid` and re-reads when it changes."""

    _FIELDS = ("iccid", "imsi", "mcc", "mnc", "mnc_length")

    def __init__(self, iccid: str, imsi: str, mcc: str, mnc: str | None,
                 mnc_length: int | None) -> None:
        self.iccid = iccid
        self.imsi = imsi
        self.mcc = mcc
        self.mnc = mnc                # None when EF_AD gives no MNC length
        self.mnc_length = mnc_length


class AclInfo(Model):
    """EF_ACL and its switches: `listed` = UST n°35, `enforced` = EST n°3 (None: unreadable)."""

    _FIELDS = ("acl", "listed", "enforced")

    def __init__(self, acl: acl_codec.Acl | None, listed: bool | None,
                 enforced: bool | None) -> None:
        self.acl = acl
        self.listed = listed
        self.enforced = enforced


class PinState(Model):
    """Retry counter of one PIN; `verified` True also when the PIN is disabled."""

    _FIELDS = ("key_ref", "verified", "retries", "blocked")

    def __init__(self, key_ref: int, verified: bool, retries: int | None,
                 blocked: bool = False) -> None:
        self.key_ref = key_ref
        self.verified = verified
        self.retries = retries
        self.blocked = blocked


def pin_state(key_ref: int, sw: int) -> PinState:
    """The PIN state a VERIFY without data answered (63Cx: x tries left; 9000: verified
    or disabled); other status words raise the typed card error."""
    if sw == SW.SW_OK:
        return PinState(key_ref, True, None)
    if sw & 0xFFF0 == 0x63C0:
        left = sw & 0x0F
        return PinState(key_ref, False, left, blocked=left == 0)
    if sw in SW.BLOCKED:
        return PinState(key_ref, False, 0, blocked=True)
    raise SW.error_for(sw, "VERIFY (retry counter) key %02X" % key_ref)


try:
    # What only an APDU link or CPython can do (EF_DIR, VERIFY, the LwM2M bootstrap):
    # a board reads the card over +CRSM and does not ship it (less code in its heap).
    from me_lib.card.usim_apdu import UsimApdu
except ImportError:  # MicroPython: pin_status and read_lwm2m_bootstrap still raise CardError
    UsimApdu = object  # type: ignore[assignment,misc]


class Usim(UsimApdu):
    """High-level reads on a USIM through any `CardAccess`."""

    def __init__(self, access: CardAccess, apps: AppOpener | None = None,
                 dmcfg_path: P.PathLike = DMCFG_PATH) -> None:
        self.access = access
        self.link: CardLink | None = getattr(access, "link", None)
        self.apps = apps if apps is not None else self.link
        self.dmcfg_path = P.parse(dmcfg_path)
        files = self._file_access()
        if files is not None:
            for path, sfi in STANDARD_SFI.items():
                if path != DMCFG_PATH or self.dmcfg_path == DMCFG_PATH:
                    files.add_sfi_hint(path, sfi)
        self._dir_apps: list[efdir.Application] = []
        self._dir_next = 1
        self._dir_count: int | None = None
        self._dir_done = False
        self._usim_gen: int | None = None  # link generation in which ADF.USIM was selected
        self._iccid: tuple[int | None, str] | None = None  # (link generation, ICCID)

    def _file_access(self) -> "FileAccess | None":
        """The access as a `FileAccess` (APDU link), None for +CRSM.

        Only an access with a link can be one, so the +CRSM path never
        imports files.py (a board reading the card over +CRSM does not ship it).
        """
        if self.link is None:
            return None
        from me_lib.card.files import FileAccess

        return self.access if isinstance(self.access, FileAccess) else None

    def select_usim(self) -> None:
        """Make ADF.USIM current (PC/SC, +CSIM); +CRSM modems do this themselves.

        Without a USIM entry in EF_DIR, 7FFF paths are used as they are: the
        card's current application (what old and test cards expect).
        """
        files = self._file_access()
        if files is None:
            return
        generation = files.link.generation
        if self._usim_gen == generation:
            return  # selected since the last card reset
        aid = self.usim_aid()
        if aid is not None:
            files.select_adf(aid)
        else:
            log.info("no USIM in EF_DIR; relying on 7FFF as the current application")
        self._usim_gen = generation

    # --- identity ------------------------------------------------------------------

    def iccid(self) -> str:
        """The card's ICCID; over an APDU link read once per card session.

        `me-lib read --reader` asks for the identity and then the sources ask for the
        ICCID again (the cache key): a second read costs a SELECT MF (the USIM is
        current by then) and a READ BINARY for a value that cannot change until the
        card is reset or swapped, which bumps the link's generation. Over +CRSM
        (no link) every call reads: the modem drops its `Usim` on a card change.
        """
        files = self._file_access()
        generation = files.link.generation if files is not None else None
        if files is not None and self._iccid is not None and self._iccid[0] == generation:
            return self._iccid[1]
        digits = ids.decode_iccid(self.access.read_binary(EF_ICCID,
                                                          length=ids.ICCID_SIZE)).digits
        if files is not None:
            self._iccid = (generation, digits)
        return digits

    def imsi(self) -> str:
        self.select_usim()
        return ids.decode_imsi(self.access.read_binary(EF_IMSI, length=ids.IMSI_SIZE))

    def identity(self) -> Identity:
        """ICCID, IMSI and MCC/MNC (split by EF_AD's MNC length)."""
        iccid = self.iccid()
        imsi = self.imsi()
        ad = ids.decode_ad(self.access.read_binary(EF_AD))
        mnc_length = ad.mnc_length
        if mnc_length is None:
            return Identity(iccid, imsi, imsi[:3], None, None)
        mcc, mnc = ids.split_imsi(imsi, mnc_length)
        return Identity(iccid, imsi, mcc, mnc, mnc_length)

    # --- provisioning files ---------------------------------------------------------

    def read_dmcfg(self, path: P.PathLike | None = None) -> dmcfg_codec.DmConfig | None:
        """EF.DMCFG decoded; None = not provisioned (all FF).

        Raises FileNotFound when the card has no such file, ProfileIntegrityError
        (from the codec) when its CRC is wrong: a torn OTA update.
        """
        self.select_usim()
        target = self.dmcfg_path if path is None else P.parse(path)
        return decode_dmcfg(self.access.read_binary(target))

    def read_dmcfg_sequence(self, path: P.PathLike | None = None) -> int | None:
        """EF.DMCFG's sequence number (81) from the file's first bytes: one short read.

        What tells a cached profile of this card still holds without reading
        the whole file; None when the head holds no version (80) then sequence
        (81) object (not provisioned, another layout: read it in full).
        """
        self.select_usim()
        target = self.dmcfg_path if path is None else P.parse(path)
        head = self.access.read_binary(target, 0, DMCFG_HEAD)
        at = 0
        while at + 2 <= len(head):
            tag, size = head[at], head[at + 1]
            if size >= 0x80 or at + 2 + size > len(head) or tag not in (
                    dmcfg_codec.TAG_VERSION, dmcfg_codec.TAG_SEQUENCE):
                return None
            if tag == dmcfg_codec.TAG_SEQUENCE:
                return int.from_bytes(head[at + 2:at + 2 + size], "big") if size else None
            at += 2 + size
        return None

    def _service_bit(self, path: P.Path, service: int) -> bool | None:
        try:
            return services.has(self.access.read_binary(path), service)
        except (FileNotFound, SecurityStatusNotSatisfied) as exc:
            log.info("%s unreadable (%s): ignoring it", P.to_hex(path), exc)
            return None

    def read_acl(self) -> AclInfo:
        """EF_ACL, honouring UST n°35 (file present) and EST n°3 (list enforced).

        A readable UST without n°35 means no ACL: the file is not read. An
        unreadable UST/EST (PIN not verified, 2G card) is reported as None and
        the file is tried anyway.
        """
        self.select_usim()
        listed = self._service_bit(EF_UST, services.UST_ACL)
        if listed is False:
            return AclInfo(None, False, None)
        enforced = self._service_bit(EF_EST, services.EST_ACL)
        try:
            data = self.access.read_binary(EF_ACL)
        except FileNotFound:
            return AclInfo(None, listed, enforced)
        return AclInfo(decode_acl(data), listed, enforced)

    def read_ursp(self) -> "tuple[bool | None, bytes | None]":
        """(UST n°132, EF_URSP content): the file is read only when the service is set.

        (False, None): the card says it has no pre-configured URSP; (None, None):
        EF_UST is unreadable, so the file is not trusted to exist; (True, None):
        the service is set but the file is absent. Decoding is the caller's
        (`me_lib.codec.ursp.decode_file`), which keeps this module free of it.
        """
        self.select_usim()
        listed = self._service_bit(EF_UST, services.UST_URSP)
        if listed is not True:
            return listed, None
        try:
            return True, self.access.read_binary(EF_URSP)
        except FileNotFound:
            return True, None

    # --- LwM2M bootstrap (PKCS#15 on a logical channel) ---------------------------------

    def read_lwm2m_bootstrap(self) -> lwm2m.BootstrapFile | None:
        """OMA LwM2M Appendix G: EF_DIR -> channel -> ODF -> DODF -> bootstrap file.

        None when the card has no PKCS#15 application or no bootstrap entry, or
        the file is not provisioned. The channel is always closed. Raises
        CardError on MicroPython, where the PKCS#15/LwM2M decoders do not run.
        """
        try:
            from me_lib.codec import lwm2m, pkcs15  # noqa: F401 - CPython only (construct)
        except ImportError as exc:
            raise CardError("reading the LwM2M bootstrap file needs CPython: %s" % exc,
                            _HINT_CPYTHON) from exc
        return self._lwm2m_bootstrap()

    # --- PIN ----------------------------------------------------------------------------

    def _need_link(self, what: str) -> CardLink:
        if self.link is None:
            raise CardError("%s needs APDU access, which %s does not give" % (what,
                                                                                self.access.name),
                            "use AT+CPIN?/AT+CPINR through the modem, or +CSIM/PC/SC")
        return self.link

    def pin_status(self, key_ref: int = KEY_PIN1) -> PinState:
        """Retry counter without spending a try (VERIFY with no data: 63Cx / 9000)."""
        link = self._need_link("reading the PIN retry counter")
        from me_lib.card import apdu as A

        _, sw = link.transmit(A.verify(key_ref, None))
        return pin_state(key_ref, sw)
