"""File access by path over an APDU link (PC/SC, +CSIM, +CGLA).

Why this is more than "SELECT then READ": every APDU through pcscd or a modem
costs a round trip, and on T=0 a SELECT returning an FCP costs two (61xx +
GET RESPONSE). So the access remembers what it knows and spends APDUs only
where it learns something:

* the current DF and EF are tracked, so a file in the current DF is selected
  by FID, anything else by path from the MF (P1=08), and the current EF not at all;
* a file whose SFI is known (hint from the caller or learned from an FCP) in
  the current DF is read with READ BINARY/RECORD P1/P2 carrying the SFI, no
  SELECT at all; an unknown size is then learned from the card's 6Cxx answer;
* FCPs are cached per path for the life of the object (call `forget()` after
  a REFRESH).
"""

from me_lib.card import apdu as A
from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.fileinfo import FileInfo, from_fcp, read_all_records
from me_lib.card.link import CardLink
from me_lib.errors import CardError, StatusWordError

# Status words meaning "SFI route not usable here": fall back to SELECT.
_SFI_FALLBACK = (0x6A82, 0x6A86, 0x6981, 0x6986, 0x6700, 0x6B00, 0x6A81, 0x6D00)
# Status words meaning "this card wants the exact size": use the FCP.
_SIZE_FALLBACK = (0x6700, 0x6A86, 0x6B00)
# Status words ending a read of unknown length.
_EOF = (0x6282, 0x6B00)


class FileAccess:
    """`select`/`read_*`/`update_*`/`file_info` by path on top of a `CardLink`."""

    def __init__(self, link: CardLink, sfi_hints: dict[P.Path, int] | None = None,
                 max_le: int | None = None) -> None:
        self.link = link
        self.name = link.name
        self.max_le: int = max_le or link.max_le
        self._sfi: dict[P.Path, int] = dict(sfi_hints or {})
        self._info: dict[P.Path, FileInfo] = {}
        self._reclen: dict[P.Path, int] = {}
        # Set once the card answered a READ with Le larger than the file by a bare
        # 6700: from then on sizes come from the FCP, not from oversized reads.
        self.exact_le_only = False
        self._gen = link.generation
        self._cur_df: P.Path | None = (P.MF,) if link.starts_at_mf else None
        self._cur_ef: P.Path | None = None

    def _sync(self) -> None:
        """Drop the selection state when the card was reset under us."""
        if self._gen != self.link.generation:
            self._gen = self.link.generation
            self._cur_df = (P.MF,) if self.link.starts_at_mf else None
            self._cur_ef = None

    # --- state ---------------------------------------------------------------

    def forget(self) -> None:
        """Drop cached FCPs and selection state (after a REFRESH or reset)."""
        self._info.clear()
        self._reclen.clear()
        self._cur_df = None
        self._cur_ef = None

    def add_sfi_hint(self, path: P.PathLike, sfi: int) -> None:
        self._sfi[P.parse(path)] = sfi

    def select_adf(self, aid: bytes) -> None:
        """Activate application `aid`; afterwards path element 7FFF means it."""
        self._sync()
        _, sw = self.link.transmit(A.select_aid(aid, A.SELECT_NO_DATA))
        if sw == 0x6A86:
            _, sw = self.link.transmit(A.select_aid(aid, A.SELECT_FCP))
        SW.check(sw, "SELECT application %s" % aid.hex().upper())
        self._cur_df = (P.MF, P.ADF)
        self._cur_ef = None

    def _moved(self, target: P.Path, is_df: bool) -> None:
        if is_df:
            self._cur_df, self._cur_ef = target, None
        else:
            self._cur_df, self._cur_ef = P.parent(target), target

    # --- select ----------------------------------------------------------------

    def _select(self, target: P.Path, need_fcp: bool) -> FileInfo | None:
        cached = self._info.get(target)
        if target == self._cur_ef and (cached is not None or not need_fcp):
            return cached
        if target == self._cur_df and (cached is not None or not need_fcp):
            return cached
        p2 = A.SELECT_FCP if need_fcp else A.SELECT_NO_DATA
        if target == (P.MF,):
            cmd = A.select_fid(P.MF, p2)
        elif self._cur_df is not None and P.parent(target) == self._cur_df:
            cmd = A.select_fid(target[-1], p2)
        else:
            cmd = A.select_path_from_mf(target[1:], p2)
        what = "SELECT %s" % P.to_hex(target)
        data, sw = self.link.transmit(cmd)
        if sw == 0x6A86 and p2 == A.SELECT_NO_DATA:  # card insists on returning the FCP
            data, sw = self.link.transmit(cmd[:3] + bytes((A.SELECT_FCP,)) + cmd[4:])
        SW.check(sw, what)
        info = from_fcp(data) if data else None
        is_df = info.is_df if info is not None else P.is_df_id(target[-1])
        self._moved(target, is_df)
        if info is not None:
            self._info[target] = info
            if info.sfi is not None:
                self._sfi.setdefault(target, info.sfi)
        return info

    def select(self, path: P.PathLike) -> FileInfo:
        """Select `path` and return its FileInfo (from the FCP)."""
        self._sync()
        target = P.parse(path)
        info = self._select(target, need_fcp=True)
        if info is None:  # pragma: no cover - _select with need_fcp always parses
            raise CardError("SELECT %s returned no FCP" % P.to_hex(target))
        return info

    def file_info(self, path: P.PathLike) -> FileInfo:
        """FileInfo of `path`, from the cache when this object already saw its FCP."""
        target = P.parse(path)
        return self._info.get(target) or self.select(target)

    def assume_adf_current(self) -> None:
        """The caller selected an application (e.g. on a new logical channel)."""
        self._cur_df, self._cur_ef = (P.MF, P.ADF), None

    def known_info(self, path: P.PathLike) -> FileInfo | None:
        """FileInfo already learned for `path`, without any APDU."""
        return self._info.get(P.parse(path))

    def _sfi_usable(self, target: P.Path) -> int | None:
        sfi = self._sfi.get(target)
        if sfi is None or self._cur_df is None or P.parent(target) != self._cur_df:
            return None
        return sfi

    # --- transparent -----------------------------------------------------------

    def read_binary(self, path: P.PathLike, offset: int = 0,
                    length: int | None = None) -> bytes:
        """`length` bytes from `offset` (None = to the end of the file).

        Size unknown: the card's own answer ends the read (6282 with the last
        bytes, 6Cxx with the exact length, a short chunk, or 6B00), which costs
        no more APDUs than a SELECT returning the FCP and often fewer. Cards
        that refuse an oversized Le with a bare 6700 get the FCP route.
        """
        self._sync()
        target = P.parse(path)
        info = self._info.get(target)
        if length is None and info is not None and info.size is not None:
            length = max(info.size - offset, 0)
        if length == 0:
            return b""
        if length is None and self.exact_le_only:
            info = self._select(target, need_fcp=True)
            if info is None or info.size is None:
                raise CardError("READ BINARY %s: the FCP gives no file size"
                                % P.to_hex(target), "pass an explicit length")
            return self._read_chunks(target, offset, max(info.size - offset, 0))
        if target != self._cur_ef:
            sfi = self._sfi.get(target)
            if sfi is not None and offset <= 255:
                if P.parent(target) != self._cur_df:
                    self._select(P.parent(target), need_fcp=False)
                got = self._read_first(target, offset, length, sfi)
                if got is not None:
                    return got
            if length is None and not self.exact_le_only:
                self._select(target, need_fcp=False)
        if length is None and not self.exact_le_only:
            got = self._read_first(target, offset, None, None)
            if got is not None:
                return got
        info = self._select(target, need_fcp=length is None)
        if length is None:
            if info is None or info.size is None:
                raise CardError("READ BINARY %s: the FCP gives no file size"
                                % P.to_hex(target), "pass an explicit length")
            length = max(info.size - offset, 0)
        return self._read_chunks(target, offset, length)

    def _read_first(self, target: P.Path, offset: int, length: int | None,
                    sfi: int | None) -> bytes | None:
        """First chunk (by SFI when given), then the rest; None = take the FCP route."""
        le = min(length, self.max_le) if length is not None else self.max_le
        data, sw = self.link.transmit(A.read_binary(offset, le, sfi=sfi))
        fallback = _SFI_FALLBACK if sfi is not None else _SIZE_FALLBACK
        if sw in fallback and not data and not (sw == 0x6B00 and offset > 0):
            if sw == 0x6700 and length is None:
                self.exact_le_only = True
            return None
        what = "READ BINARY %s at %d" % (P.to_hex(target), offset)
        if sw not in _EOF:
            SW.check(sw, what)
        self._moved(target, False)
        out = bytes(data)
        if length is None:
            if len(out) < le or sw in _EOF:
                return out
            return out + self._read_to_end(target, offset + len(out))
        if sw in _EOF and len(out) < length:
            raise StatusWordError(sw, what, SW.describe(sw),
                                  "the file is shorter than the %d bytes asked" % length)
        return out + self._read_chunks(target, offset + len(out), length - len(out))

    def _read_chunks(self, target: P.Path, offset: int, length: int) -> bytes:
        out = bytearray()
        while len(out) < length:
            le = min(length - len(out), self.max_le)
            pos = offset + len(out)
            data, sw = self.link.transmit(A.read_binary(pos, le))
            SW.check(sw, "READ BINARY %s at %d" % (P.to_hex(target), pos))
            if not data:
                raise CardError("READ BINARY %s at %d returned no data" % (P.to_hex(target), pos))
            out += data
        return bytes(out[:length])

    def _read_to_end(self, target: P.Path, offset: int) -> bytes:
        """Current EF from `offset` until the card says end of file (size unknown)."""
        out = bytearray()
        for _ in range(0x8000 // self.max_le + 2):
            pos = offset + len(out)
            if pos > 0x7FFF:
                break
            data, sw = self.link.transmit(A.read_binary(pos, self.max_le))
            if sw in _EOF or (sw == 0x6A86 and not data):
                out += data
                break
            SW.check(sw, "READ BINARY %s at %d" % (P.to_hex(target), pos))
            out += data
            if len(data) < self.max_le:
                break
        return bytes(out)

    def update_binary(self, path: P.PathLike, data: bytes, offset: int = 0) -> None:
        """Write `data` at `offset`, in chunks the card accepts."""
        self._sync()
        target = P.parse(path)
        self._select(target, need_fcp=False)
        for start in range(0, len(data), 255):
            chunk = bytes(data[start:start + 255])
            pos = offset + start
            self.link.send(A.update_binary(pos, chunk),
                           "UPDATE BINARY %s at %d" % (P.to_hex(target), pos))

    # --- records ---------------------------------------------------------------

    def read_record(self, path: P.PathLike, record: int, length: int | None = None) -> bytes:
        """Record `record` (1-based, absolute mode)."""
        self._sync()
        target = P.parse(path)
        what = "READ RECORD %s #%d" % (P.to_hex(target), record)
        if length is None:
            info = self._info.get(target)
            length = (info.record_length if info is not None else None) \
                or self._reclen.get(target)
        sfi = self._sfi_usable(target) if target != self._cur_ef else None
        if sfi is not None:
            data, sw = self.link.transmit(A.read_record(record, length or 256, sfi=sfi))
            if not (sw in _SFI_FALLBACK and not data):
                SW.check(sw, what)
                self._moved(target, False)
                self._reclen.setdefault(target, len(data))
                return bytes(data)
        info = self._select(target, need_fcp=length is None)
        if length is None:
            if info is None or not info.record_length:
                raise CardError("%s: the file is not a record file" % what,
                                "use read_binary for transparent files")
            length = info.record_length
        data = self.link.send(A.read_record(record, length), what)
        self._reclen.setdefault(target, len(data))
        return bytes(data)

    def read_records(self, path: P.PathLike) -> list[bytes]:
        """Every record of a linear fixed / cyclic EF."""
        return read_all_records(self, path)

    def update_record(self, path: P.PathLike, record: int, data: bytes) -> None:
        self._sync()
        target = P.parse(path)
        self._select(target, need_fcp=False)
        self.link.send(A.update_record(record, bytes(data)),
                       "UPDATE RECORD %s #%d" % (P.to_hex(target), record))
