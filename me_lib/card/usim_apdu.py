"""What `Usim` does only over an APDU link or on CPython: EF_DIR, VERIFY, the LwM2M bootstrap.

A board reads the card over +CRSM (no APDU link, no PKCS#15/LwM2M decoders), so
none of this runs there; kept out of `card/usim.py` and out of the board's
manifest, it costs a board no heap. `Usim` inherits it on CPython (same methods,
same behaviour); on MicroPython `Usim.pin_status` and `read_lwm2m_bootstrap`
still raise the CardError they always did, and the rest is absent.

This module does not import `me_lib.card.usim` at load time (usim imports it):
what it needs from there is imported inside the methods.
"""

from typing import TYPE_CHECKING  # CPython only: a board does not ship this module

from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.catalogue import EFS, PATH
from me_lib.errors import CardError, FileNotFound, PinBlocked, StatusWordError
from me_lib.log import get_logger

if TYPE_CHECKING:
    from me_lib.card.files import FileAccess
    from me_lib.card.link import CardLink
    from me_lib.card.protocols import AppOpener, CardAccess
    from me_lib.card.usim import PinState
    from me_lib.codec import efdir, lwm2m, pkcs15

log = get_logger("me_lib.card")

MF = P.MF
EF_DIR = EFS["EF_DIR"][PATH]
#: PIN1's key reference (`usim.KEY_PIN1`, which this module cannot import at load time)
KEY_PIN1 = 0x01


class UsimApdu:
    """`Usim`'s EF_DIR, LwM2M bootstrap and VERIFY methods (a base class of `Usim`)."""

    # set by Usim.__init__
    access: "CardAccess"
    link: "CardLink | None"
    apps: "AppOpener | None"
    _dir_apps: "list[efdir.Application]"
    _dir_next: int
    _dir_count: int | None
    _dir_done: bool

    if TYPE_CHECKING:  # Usim's own, which the methods below call
        def pin_status(self, key_ref: int = KEY_PIN1) -> "PinState": ...
        def _need_link(self, what: str) -> "CardLink": ...

    def applications(self, stop_at_usim: bool = False) -> "list[efdir.Application]":
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

    def pkcs15_aid(self) -> bytes:
        from me_lib.codec import pkcs15

        for app in self.applications():
            if app.is_pkcs15:
                return app.aid
        return pkcs15.AID

    def _lwm2m_bootstrap(self) -> "lwm2m.BootstrapFile | None":
        """`Usim.read_lwm2m_bootstrap` once the PKCS#15/LwM2M decoders are known to load."""
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

    def _read_bootstrap(self, channel: "CardLink") -> "lwm2m.BootstrapFile | None":
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
    def _read_pkcs15(fa: "FileAccess", where: "pkcs15.Path") -> bytes:
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

    def verify_pin(self, pin: str, key_ref: int = KEY_PIN1, min_tries: int = 2,
                   force: bool = False) -> "PinState":
        """VERIFY `pin`, but only when at least `min_tries` tries are left (or `force`)."""
        from me_lib.card.usim import PinState

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


