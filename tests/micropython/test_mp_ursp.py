"""EF_URSP on the MicroPython unix port: the codec and the source are portable, but not in
the default board manifest (firmware_shim/README.md says how to add them); staged here
next to the manifest, they decode a real virtual card's EF_URSP image and give the same
bearers as CPython."""

from pathlib import Path

from mp_support import run_micropython, stage

from me_lib.codec import ursp
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR
from me_lib.sources.ursp import ORIGIN, partial_from_rules

EXTRA = ["me_lib/codec/ursp.py", "me_lib/sources/ursp.py"]

SCRIPT = """
import binascii
from me_lib.codec import ursp
from me_lib.errors import DecodeError
from me_lib.sources import ursp as src
data = binascii.unhexlify("%s")
f = ursp.decode_file(data)
assert ursp.encode_file(f, len(data)) == data
p = src.partial_from_rules(f.rules_for("00101"), src.ORIGIN, "ursp", [])
print(p.apn0.apn)
for b in p.service_bearers:
    print(b.apn, b.pdp_type, ",".join(b.services))
try:
    ursp.decode(data[5:40])
    print("decoded")
except DecodeError:
    print("DecodeError")
"""


def test_ef_ursp_decodes_and_maps_the_same_on_micropython(tmp_path: Path) -> None:
    image = VirtualCard.from_profile(PROFILES_DIR / "ursp.toml").read_file(ursp.DEFAULT_PATH)
    staged = stage(tmp_path / "mp", EXTRA)
    done = run_micropython(SCRIPT % image.hex(), staged)
    assert done.returncode == 0, done.stderr
    decoded = ursp.decode_file(image)
    assert decoded is not None
    part = partial_from_rules(decoded.rules_for("00101") or (), ORIGIN, "ursp", [])
    assert part.apn0 is not None
    want = [part.apn0.apn] + ["%s %s %s" % (b.apn, b.pdp_type, ",".join(b.services))
                              for b in part.service_bearers or []]
    try:
        ursp.decode(image[5:40])
        tail = "decoded"
    except Exception as exc:
        tail = type(exc).__name__
    assert done.stdout.split("\n")[:-1] == [*want, tail]
