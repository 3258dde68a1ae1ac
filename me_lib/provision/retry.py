"""How the flow retries what the network or the module refused: one policy object.

A refusal that means "this configuration is wrong" (ESM #27 unknown APN, #29
user authentication failed, #33 not subscribed, ...) comes back the same on
every try: it is reported at once, by name. Anything else (congestion, #26
insufficient resources, a timeout while the radio is busy) may pass, so it is
tried again after a pause that doubles each time, a bounded number of times:
a device in the field must neither give up on a transient refusal nor hammer
the network. The causes and the schedule are data on one object that
`provision(retry=...)` takes, so a product with other needs (a longer first
pause on NB-IoT, one more cause treated as final) changes a value, not the flow.

Portable (MicroPython).
"""

from me_lib.errors import ProvisionError

#: ESM causes (TS 24.301 §9.9.4.4) that mean the profile or subscription is wrong:
#: retrying cannot help. #8 operator determined barring, #27 missing or unknown APN,
#: #28 unknown PDN type, #29 user authentication failed, #32/#33 service option not
#: supported / not subscribed, #50/#51 only IPv4/IPv6 allowed, #55 multiple PDN
#: connections for one APN not allowed, #65 maximum number of bearers reached,
#: #66 requested APN not supported in current RAT and PLMN, #112 APN restriction.
CONFIGURATION_CAUSES = (8, 27, 28, 29, 32, 33, 50, 51, 55, 65, 66, 112)

#: EMM causes (TS 24.301 §9.9.3.9) for which the network will keep refusing this
#: device: the registration error says to contact the operator rather than wait.
PERMANENT_EMM_CAUSES = (2, 3, 6, 7, 8, 11, 12, 13, 14, 15)

#: The longest pause between tries, seconds: a long schedule (many attempts, a
#: large factor) waits this long between its late tries instead of for ever.
MAX_PAUSE = 600.0


class RetryPolicy:
    """`attempts` tries in all, pausing `delay` seconds then `factor` times longer each time,
    never longer than `max_pause` (every wait bounded, however many attempts).

    `final_causes`: the ESM causes never retried; `permanent_emm_causes`: the
    registration rejections reported as permanent.
    """

    def __init__(self, attempts: int = 3, delay: float = 2.0, factor: float = 2.0,
                 final_causes: tuple[int, ...] = CONFIGURATION_CAUSES,
                 permanent_emm_causes: tuple[int, ...] = PERMANENT_EMM_CAUSES,
                 max_pause: float = MAX_PAUSE) -> None:
        # written so that NaN fails each test; max_pause finite bounds every wait
        if not (attempts >= 1 and 0 <= max_pause < float("inf") and 0 <= delay <= max_pause
                and factor >= 1):
            raise ProvisionError("arguments", "a RetryPolicy needs attempts >= 1, "
                                 "0 <= delay <= max_pause (finite) and factor >= 1")
        self.attempts = attempts
        self.delay = delay
        self.factor = factor
        self.final_causes = final_causes
        self.permanent_emm_causes = permanent_emm_causes
        self.max_pause = max_pause

    def pause(self, tries: int) -> float | None:
        """Seconds to wait after `tries` failed tries, or None when that was the last."""
        if tries >= self.attempts:
            return None
        if self.delay == 0:
            return 0.0
        try:
            pause = self.delay * self.factor ** (tries - 1)
        except OverflowError:   # CPython; MicroPython gives inf, capped below
            return self.max_pause
        return pause if pause <= self.max_pause else self.max_pause

    def __repr__(self) -> str:
        return "RetryPolicy(attempts=%d, delay=%r, factor=%r)" % (
            self.attempts, self.delay, self.factor)


#: What provision() uses when given no policy: 3 tries, 2 s then 4 s.
DEFAULT = RetryPolicy()
