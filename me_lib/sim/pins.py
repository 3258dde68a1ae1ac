"""PINs of the virtual UICC: their state and the five PIN commands.

Kept apart from the file-system APDUs so the rules (what a wrong try costs,
when a PIN is blocked, what UNBLOCK restores, which SW each case answers) read
in one place. Key references are those of TS 102 221 Table 9.3: PIN1 `01`,
USIM PIN2 `81` (not `02`), ADM1 `0A`.
"""

from dataclasses import dataclass

from me_lib.sim.apdu import SW_OK, Apdu, sw

KEY_PIN1 = 0x01
KEY_PIN2 = 0x81
KEY_ADM1 = 0x0A


def pad_pin(digits: str) -> bytes:
    """'1234' -> 31 32 33 34 FF FF FF FF, the 8-byte on-card form."""
    raw = digits.encode("ascii")
    return raw + b"\xff" * (8 - len(raw))


def valid_pin_block(block: bytes) -> bool:
    """True for 4..8 ASCII digits followed by FF padding (the only accepted form)."""
    if len(block) != 8:
        return False
    digits = block.rstrip(b"\xff")
    return len(digits) >= 4 and all(0x30 <= b <= 0x39 for b in digits)


@dataclass(eq=False)
class Pin:
    """One verification key (and its PUK when it has one)."""

    key_ref: int
    value: bytes
    max_retries: int = 3
    retries: int = 3
    enabled: bool = True
    can_disable: bool = False
    puk: bytes | None = None
    puk_max_retries: int = 10
    puk_retries: int = 10
    verified: bool = False

    @property
    def blocked(self) -> bool:
        return self.retries == 0

    @property
    def satisfied(self) -> bool:
        """Does this key open an access condition that names it?"""
        return self.verified or (self.can_disable and not self.enabled)

    def check(self, block: bytes) -> bool:
        """Spend one try on `block`; True (and counter reset) when it matches."""
        if block == self.value:
            self.retries = self.max_retries
            self.verified = True
            return True
        self.retries = max(0, self.retries - 1)
        self.verified = False
        return False

    def unblock(self, puk_block: bytes, new_value: bytes) -> bool:
        """Spend one PUK try; on success set the new PIN, reset and verify it."""
        if puk_block != self.puk:
            self.puk_retries = max(0, self.puk_retries - 1)
            return False
        self.puk_retries = self.puk_max_retries
        self.value = new_value
        self.retries = self.max_retries
        self.enabled = True
        self.verified = True
        return True


# --- the PIN commands (TS 102 221 §11.1.9-11.1.13) ------------------------------

def _tries(count: int) -> bytes:
    return sw(0x63C0 | min(count, 0x0F))


def _verify(pin: Pin, a: Apdu) -> bytes:
    if not a.data:  # retry-counter query: costs nothing
        if pin.blocked:
            return sw(0x6983)
        return sw(SW_OK) if pin.verified else _tries(pin.retries)
    if len(a.data) != 8:
        return sw(0x6700)
    if pin.blocked:
        return sw(0x6983)
    return sw(SW_OK) if pin.check(a.data) else _tries(pin.retries)


def _change(pin: Pin, a: Apdu) -> bytes:
    if len(a.data) != 16:
        return sw(0x6700)
    if pin.blocked:
        return sw(0x6983)
    if not pin.enabled:
        return sw(0x6984)
    if not valid_pin_block(a.data[8:]):
        return sw(0x6A80)
    if not pin.check(a.data[:8]):
        return _tries(pin.retries)
    pin.value = a.data[8:]
    return sw(SW_OK)


def _enable_disable(pin: Pin, a: Apdu) -> bytes:
    enable = a.ins == 0x28
    if len(a.data) != 8:
        return sw(0x6700)
    if not pin.can_disable or pin.enabled == enable:
        return sw(0x6985)
    if pin.blocked:
        return sw(0x6983)
    if not pin.check(a.data):
        return _tries(pin.retries)
    pin.enabled = enable
    return sw(SW_OK)


def _unblock(pin: Pin, a: Apdu) -> bytes:
    if pin.puk is None:
        return sw(0x6A88)
    if not a.data:  # PUK retry-counter query
        return sw(0x6983) if pin.puk_retries == 0 else _tries(pin.puk_retries)
    if len(a.data) != 16:
        return sw(0x6700)
    if pin.puk_retries == 0:
        return sw(0x6983)
    if not valid_pin_block(a.data[8:]):
        return sw(0x6A80)
    if pin.unblock(a.data[:8], a.data[8:]):
        return sw(SW_OK)
    return _tries(pin.puk_retries)


_PIN_COMMANDS = {0x20: _verify, 0x24: _change, 0x26: _enable_disable, 0x28: _enable_disable,
                 0x2C: _unblock}


def pin_command(pins: dict[int, Pin], a: Apdu) -> bytes:
    """VERIFY, CHANGE, DISABLE, ENABLE or UNBLOCK PIN for the key reference in P2."""
    if a.p1 != 0x00:
        return sw(0x6A86)
    pin = pins.get(a.p2)
    if pin is None:
        return sw(0x6A88)
    return _PIN_COMMANDS[a.ins](pin, a)
