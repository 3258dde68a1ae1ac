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
`CrsmAccess`. What only APDU links or the LwM2M bootstrap need (apdu, files,
efdir, pkcs15, lwm2m) is imported inside the methods that use it, so a board
ships none of it; the LwM2M bootstrap raises a CardError there.
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
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
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
    from me_lib.codec import efdir, lwm2m, pkcs15
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


class Usim:
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

    # --- applications ------------------------------------------------------------

    def applications(self, stop_at_usim: bool = False) -> list[efdir.Application]:
        """Applications listed in EF_DIR (empty when the card has no EF_DIR).

        Records are read one at a time and remembered, so stopping at the USIM
        (record 1 on nearly every card) and later needing the PKCS#15 entry
        never reads a record twice.
        """
        from me_lib.codec import efdir

        while not self._dir_done:
            if stop_at_usim and self._dir_apps and self._dir_apps[-1].is_usim:
                break
            number = self._dir_next
            if number > 254:
                self._dir_done = True
                break
            if self._dir_count is None:
                known = getattr(self.access, "known_info", None)
                info = known(EF_DIR) if known is not None else None
                self._dir_count = info.record_count if info is not None else None
            if self._dir_count is not None and number > self._dir_count:
                self._dir_done = True
                break
            try:
                record = self.access.read_record(EF_DIR, number)
            except FileNotFound:
                self._dir_done = True
                break
            except StatusWordError as exc:
                if exc.sw in (0x6A83, 0x6B00, 0x6A86, 0x9402):
                    self._dir_done = True  # past the last record
                    break
                raise
            self._dir_next = number + 1
            app = efdir.decode(record)
            if app is not None:
                self._dir_apps.append(app)
        return list(self._dir_apps)

    def usim_aid(self) -> bytes | None:
        """Full AID of ADF.USIM from EF_DIR (prefix A0000000871002), None if not listed."""
        for app in self.applications(stop_at_usim=True):
            if app.is_usim:
                return app.aid
        return None

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

    def pkcs15_aid(self) -> bytes:
        from me_lib.codec import pkcs15

        for app in self.applications():
            if app.is_pkcs15:
                return app.aid
        return pkcs15.AID

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
        if self.apps is None:
            raise CardError("the LwM2M bootstrap needs a logical channel, which %s cannot open"
                            % self.access.name,
                            "pass apps=CglaOpener(at) (AT+CCHO/+CGLA) or use PC/SC or +CSIM")
        aid = self.pkcs15_aid()
        try:
            with self.apps.open_app(aid) as channel:
                return self._read_bootstrap(channel)
        except FileNotFound as exc:
            log.info("no LwM2M bootstrap on the card: %s", exc)
            return None

    def _read_bootstrap(self, channel: CardLink) -> "lwm2m.BootstrapFile | None":
        from me_lib.card.files import FileAccess
        from me_lib.codec import lwm2m, pkcs15

        fa = FileAccess(channel)
        fa.assume_adf_current()
        odf = pkcs15.decode_odf(fa.read_binary((MF, P.ADF, pkcs15.ODF_FID)))
        where = pkcs15.dodf_path(odf)
        if where is None:
            return None
        dodf = pkcs15.decode_dodf(self._read_pkcs15(fa, where))
        boot = pkcs15.lwm2m_bootstrap_path(dodf)
        if boot is None:
            return None
        return lwm2m.decode(self._read_pkcs15(fa, boot))

    @staticmethod
    def _read_pkcs15(fa: FileAccess, where: pkcs15.Path) -> bytes:
        """Read a PKCS#15 Path: absolute (3F00...) or relative to the application DF."""
        raw = where.path
        if not raw or len(raw) % 2:
            raise CardError("PKCS#15 path %s is not a list of FIDs" % raw.hex())
        fids = tuple(int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2))
        target = list(fids)
        if fids[0] != MF:
            target.insert(0, MF)
            if fids[0] != P.ADF:
                target.insert(1, P.ADF)
        return fa.read_binary(tuple(target), where.index or 0, where.length)

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

    def verify_pin(self, pin: str, key_ref: int = KEY_PIN1, min_tries: int = 2,
                   force: bool = False) -> PinState:
        """VERIFY `pin`, but only when at least `min_tries` tries are left (or `force`)."""
        try:
            state = self.pin_status(key_ref)
        except StatusWordError as exc:
            # The card cannot tell its retry counter: only a caller who accepts
            # the risk (force) may try.
            if not force:
                raise PinBlocked("PIN key %02X: the card does not report its retry counter "
                                 "(%s); not risking a VERIFY" % (key_ref, exc.message)) from exc
            state = PinState(key_ref, False, None)
        if state.verified:
            return state
        if state.blocked:
            raise PinBlocked("PIN key %02X is blocked" % key_ref, 0)
        if not force and (state.retries is None or state.retries < min_tries):
            raise PinBlocked("PIN key %02X: %s tries left, fewer than the %d required to try"
                             % (key_ref, "unknown" if state.retries is None else state.retries,
                                min_tries), state.retries)
        link = self._need_link("VERIFY")
        from me_lib.card import apdu as A

        _, sw = link.transmit(A.verify(key_ref, A.pad_pin(pin)))
        if sw == SW.SW_OK:
            return PinState(key_ref, True, None)
        if sw & 0xFFF0 == 0x63C0:
            left = sw & 0x0F
            if left == 0:
                raise PinBlocked("wrong PIN for key %02X: the PIN is now blocked" % key_ref, 0)
            raise StatusWordError(sw, "VERIFY key %02X" % key_ref,
                                  "wrong PIN, %d tries left" % left,
                                  "check the configured PIN before trying again")
        raise SW.error_for(sw, "VERIFY key %02X" % key_ref)


