"""Service tables: EF_UST (6F38, available) and EF_EST (6F56, enabled).

The reader checks UST before touching an optional EF (n°35 says EF_ACL
exists) and EST to know whether the ACL is enforced (n°3). Service n sits at
byte (n-1)//8, bit (n-1)%8, least significant bit first (TS 31.102 §4.2.8).
"""

from me_lib.errors import ProfileError

try:
    from collections.abc import Iterable
except ImportError:  # MicroPython: annotations only
    pass

# Services the flow looks at (TS 31.102 §4.2.8 / §4.2.47).
UST_ACL = 35
UST_NCP_IP = 80
UST_NASCONFIG = 96
UST_XCAP_CONFIG = 120
UST_URSP = 132
EST_FDN = 1
EST_BDN = 2
EST_ACL = 3


def decode(data: bytes) -> frozenset[int]:
    """Numbers of the services whose bit is set (every bitmap is valid)."""
    found = []  # loops, not a generator: less code held in a board's heap
    for i in range(len(data)):
        for bit in range(8):
            if data[i] >> bit & 1:
                found.append(8 * i + bit + 1)
    return frozenset(found)


def has(data: bytes, service: int) -> bool:
    """Whether one service bit is set; services past the end of the file are absent."""
    if service < 1:
        return False
    index = (service - 1) // 8
    return index < len(data) and bool(data[index] >> ((service - 1) % 8) & 1)


def encode(services: Iterable[int], length: int) -> bytes:
    """The bitmap of `length` bytes with the given services set."""
    out = bytearray(length)
    for n in services:
        if not 1 <= n <= 8 * length:
            raise ProfileError("service n°%d does not fit a %d-byte table" % (n, length))
        out[(n - 1) // 8] |= 1 << ((n - 1) % 8)
    return bytes(out)
