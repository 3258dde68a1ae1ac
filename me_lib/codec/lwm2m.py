"""EF LwM2M_Bootstrap (OMA LwM2M Appendix G.3.3) and the LwM2M 1.0 TLV format.

The file is `<num_objects:2><size:2>` then, per object, `<object_id:2>
<version:1|2><len:2><TLV of its instances>` (big-endian). The reader needs the
Security object (0): server URI, bootstrap flag, security mode, short server
id. Everything else stays as TLV so it can be handed to an LwM2M client or
written back by the virtual card. Key material (identity, server public key,
secret key) never appears in repr(): `LwTlv.value` is left out of it.
"""

from dataclasses import dataclass, field

import construct as cs

from me_lib.codec._common import pad_to
from me_lib.errors import DecodeError, ProfileError

WHAT = "EF LwM2M_Bootstrap"
TLV_WHAT = "LwM2M TLV"

KIND_OBJECT_INSTANCE = 0
KIND_RESOURCE_INSTANCE = 1
KIND_MULTIPLE_RESOURCE = 2
KIND_RESOURCE = 3

OBJ_SECURITY = 0
OBJ_SERVER = 1
RES_SERVER_URI = 0
RES_BOOTSTRAP = 1
RES_SECURITY_MODE = 2
RES_SHORT_SERVER_ID = 10

SECURITY_MODES = {"psk": 0, "rpk": 1, "certificate": 2, "nosec": 3, "certificate-est": 4}

_HEADER = cs.Struct("num_objects" / cs.Int16ub, "size" / cs.Int16ub)
_OBJECT = cs.Struct(
    "object_id" / cs.Int16ub,
    "major" / cs.Int8ub,
    "minor" / cs.If(cs.this.major != 0, cs.Int8ub),
    "length" / cs.Int16ub,
)


@dataclass(frozen=True)
class LwTlv:
    """One LwM2M TLV: kind (0 instance, 1 resource instance, 2 multiple
    resource, 3 resource), identifier, value (kinds 1/3) or children (0/2)."""

    kind: int
    ident: int
    value: bytes = field(default=b"", repr=False)
    children: tuple["LwTlv", ...] = ()


_INSIDE = {KIND_OBJECT_INSTANCE: (KIND_RESOURCE, KIND_MULTIPLE_RESOURCE),
           KIND_MULTIPLE_RESOURCE: (KIND_RESOURCE_INSTANCE,)}


def decode_tlv(data: bytes, base: int = 0, inside: int | None = None) -> tuple[LwTlv, ...]:
    """Decode a TLV sequence; offsets in errors count from `base`.

    `inside` is the kind of the enclosing TLV, which limits what may nest.
    """
    out: list[LwTlv] = []
    pos, end = 0, len(data)
    while pos < end:
        t = data[pos]
        kind = t >> 6
        if inside is not None and kind not in _INSIDE[inside]:
            raise DecodeError(TLV_WHAT, "TLV of kind %d cannot sit inside kind %d"
                              % (kind, inside), base + pos)
        id_len = 2 if t & 0x20 else 1
        len_type = (t >> 3) & 0x03
        head = 1 + id_len + len_type
        if pos + head > end:
            raise DecodeError(TLV_WHAT, "header cut short", base + pos)
        ident = int.from_bytes(data[pos + 1:pos + 1 + id_len], "big")
        length = (t & 0x07) if len_type == 0 else int.from_bytes(
            data[pos + 1 + id_len:pos + head], "big")
        vpos = pos + head
        if vpos + length > end:
            raise DecodeError(TLV_WHAT, "value of %d bytes runs past the end" % length,
                              base + pos)
        value = bytes(data[vpos:vpos + length])
        if kind in _INSIDE:
            out.append(LwTlv(kind, ident, b"", decode_tlv(value, base + vpos, kind)))
        else:
            out.append(LwTlv(kind, ident, value))
        pos = vpos + length
    return tuple(out)


def _encode_one(item: LwTlv) -> bytes:
    if item.kind in (KIND_OBJECT_INSTANCE, KIND_MULTIPLE_RESOURCE):
        value = encode_tlv(item.children)
    else:
        value = item.value
    if not 0 <= item.kind <= 3 or not 0 <= item.ident <= 0xFFFF:
        raise ProfileError("LwM2M TLV kind %d / id %d out of range" % (item.kind, item.ident))
    n = len(value)
    if n > 0xFFFFFF:
        raise ProfileError("LwM2M TLV value of %d bytes is too long" % n)
    t = item.kind << 6
    ident = item.ident.to_bytes(1, "big") if item.ident <= 0xFF else item.ident.to_bytes(2, "big")
    if item.ident > 0xFF:
        t |= 0x20
    if n <= 7:
        return bytes([t | n]) + ident + value
    size = 1 if n <= 0xFF else 2 if n <= 0xFFFF else 3
    return bytes([t | (size << 3)]) + ident + n.to_bytes(size, "big") + value


def encode_tlv(items: tuple[LwTlv, ...] | list[LwTlv]) -> bytes:
    """Shortest identifier and length forms (canonical)."""
    return b"".join(_encode_one(item) for item in items)


def decode_int(value: bytes, offset: int | None = None) -> int:
    """LwM2M TLV Integer: 1, 2, 4 or 8 bytes, signed big-endian."""
    if len(value) not in (1, 2, 4, 8):
        raise DecodeError(TLV_WHAT, "integer of %d bytes (1, 2, 4 or 8)" % len(value), offset)
    return int.from_bytes(value, "big", signed=True)


def encode_int(value: int) -> bytes:
    """An LwM2M TLV integer: the shortest of 1, 2, 4 or 8 signed big-endian bytes."""
    for size in (1, 2, 4, 8):
        if -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
            return value.to_bytes(size, "big", signed=True)
    raise ProfileError("integer %d does not fit 8 bytes" % value)


@dataclass(frozen=True)
class BootstrapObject:
    """One object of the file; `version` None = implicit (the `00` form)."""

    object_id: int
    instances: tuple[LwTlv, ...]
    version: tuple[int, int] | None = None


@dataclass(frozen=True)
class BootstrapFile:
    objects: tuple[BootstrapObject, ...]

    def object(self, object_id: int) -> BootstrapObject | None:
        """The object with `object_id` (0 Security, 1 Server), None if absent."""
        for obj in self.objects:
            if obj.object_id == object_id:
                return obj
        return None


def decode(data: bytes) -> BootstrapFile | None:
    """The bootstrap file; None when it is not provisioned (empty or all FF)."""
    if all(b == 0xFF for b in data):
        return None
    if len(data) < 4:
        raise DecodeError(WHAT, "file too short for its header (%d bytes)" % len(data))
    head = _HEADER.parse(data)
    if 4 + head.size > len(data):
        raise DecodeError(WHAT, "header says %d bytes of objects, %d follow"
                          % (head.size, len(data) - 4), 2)
    for i in range(4 + head.size, len(data)):
        if data[i] not in (0x00, 0xFF) or data[i] != data[4 + head.size]:
            raise DecodeError(WHAT, "byte %02X after the objects" % data[i], i)
    objects: list[BootstrapObject] = []
    pos, end = 4, 4 + head.size
    while pos < end:
        try:
            obj = _OBJECT.parse(data[pos:end])
        except cs.ConstructError:
            raise DecodeError(WHAT, "object header cut short", pos) from None
        hlen = 5 if obj.major == 0 else 6
        if pos + hlen + obj.length > end:
            raise DecodeError(WHAT, "object %d says %d bytes, %d follow"
                              % (obj.object_id, obj.length, end - pos - hlen), pos)
        body = data[pos + hlen:pos + hlen + obj.length]
        instances = decode_tlv(body, pos + hlen)
        version = None if obj.major == 0 else (obj.major, obj.minor)
        objects.append(BootstrapObject(obj.object_id, instances, version))
        pos += hlen + obj.length
    if len(objects) != head.num_objects:
        raise DecodeError(WHAT, "header says %d objects, the file holds %d"
                          % (head.num_objects, len(objects)), 0)
    return BootstrapFile(tuple(objects))


def encode(bootstrap: BootstrapFile, size: int | None = None) -> bytes:
    """The file content, FF-padded to `size` when given."""
    body = bytearray()
    for obj in bootstrap.objects:
        tlvs = encode_tlv(obj.instances)
        major, minor = obj.version if obj.version is not None else (0, None)
        if obj.version is not None and major == 0:
            raise ProfileError("object version major 0 is the implicit form: use None")
        try:
            body += _OBJECT.build({"object_id": obj.object_id, "major": major,
                                   "minor": minor, "length": len(tlvs)})
        except cs.ConstructError as exc:
            raise ProfileError("LwM2M object header out of range: %s" % exc) from None
        body += tlvs
    if len(body) > 0xFFFF or len(bootstrap.objects) > 0xFFFF:
        raise ProfileError("bootstrap data of %d bytes is too large" % len(body))
    out = bytes(_HEADER.build({"num_objects": len(bootstrap.objects), "size": len(body)}))
    return pad_to(WHAT, out + bytes(body), size)


# --- Security object (0) ---------------------------------------------------------


@dataclass(frozen=True)
class SecurityInstance:
    """The parts of a Security object instance the ME needs.

    `resources` holds every other resource (identity, keys ...) as TLV, in
    ascending id order, and is kept out of repr().
    """

    instance_id: int
    server_uri: str | None = None
    bootstrap: bool | None = None
    security_mode: int | None = None
    short_server_id: int | None = None
    resources: tuple[LwTlv, ...] = field(default=(), repr=False)

    @classmethod
    def from_tlv(cls, inst: LwTlv, offset: int | None = None) -> "SecurityInstance":
        """A Security object instance from its TLV; raises `DecodeError` if it is not one."""
        if inst.kind != KIND_OBJECT_INSTANCE:
            raise DecodeError(TLV_WHAT, "Security object content is not an instance", offset)
        uri = boot = mode = ssid = None
        rest: list[LwTlv] = []
        for res in inst.children:
            if res.kind != KIND_RESOURCE:
                rest.append(res)
            elif res.ident == RES_SERVER_URI:
                try:
                    uri = res.value.decode("utf-8")
                except UnicodeDecodeError:
                    raise DecodeError(TLV_WHAT, "Server URI is not UTF-8", offset) from None
            elif res.ident == RES_BOOTSTRAP:
                if res.value not in (b"\x00", b"\x01"):
                    raise DecodeError(TLV_WHAT, "Bootstrap-Server is not a boolean", offset)
                boot = res.value == b"\x01"
            elif res.ident == RES_SECURITY_MODE:
                mode = decode_int(res.value, offset)
            elif res.ident == RES_SHORT_SERVER_ID:
                ssid = decode_int(res.value, offset)
            else:
                rest.append(res)
        rest.sort(key=lambda r: r.ident)  # the order to_tlv() writes them in
        return cls(inst.ident, uri, boot, mode, ssid, tuple(rest))

    def to_tlv(self) -> LwTlv:
        """The instance TLV, resources in ascending id order."""
        res = list(self.resources)
        if self.server_uri is not None:
            res.append(LwTlv(KIND_RESOURCE, RES_SERVER_URI, self.server_uri.encode("utf-8")))
        if self.bootstrap is not None:
            res.append(LwTlv(KIND_RESOURCE, RES_BOOTSTRAP, bytes([int(self.bootstrap)])))
        if self.security_mode is not None:
            res.append(LwTlv(KIND_RESOURCE, RES_SECURITY_MODE, encode_int(self.security_mode)))
        if self.short_server_id is not None:
            res.append(LwTlv(KIND_RESOURCE, RES_SHORT_SERVER_ID,
                             encode_int(self.short_server_id)))
        res.sort(key=lambda r: r.ident)
        return LwTlv(KIND_OBJECT_INSTANCE, self.instance_id, b"", tuple(res))


def security_instances(bootstrap: BootstrapFile) -> tuple[SecurityInstance, ...]:
    """Every Security object instance in the file (bootstrap and DM servers)."""
    obj = bootstrap.object(OBJ_SECURITY)
    if obj is None:
        return ()
    return tuple(SecurityInstance.from_tlv(inst) for inst in obj.instances)


def security_object(instances: list[SecurityInstance] | tuple[SecurityInstance, ...],
                    version: tuple[int, int] | None = None) -> BootstrapObject:
    """Build the Security object for a bootstrap file (the virtual card needs it)."""
    return BootstrapObject(OBJ_SECURITY, tuple(i.to_tlv() for i in instances), version)
