"""The activation back-off of the flow: its exact schedule, pinned.

`_activate_with_backoff` follows a `RetryPolicy`: by default it retries a transient
refusal (an ESM cause that is not a configuration error, or a timeout) 3 times in
all, waiting 2 s then 4 s (doubling) on the modem's clock, and never retries a
configuration cause; another policy changes the schedule and the final causes.
"""

import pytest

from me_lib.errors import AtTimeout, MeLibError, ProvisionError
from me_lib.modem.modem import ActivationRejected
from me_lib.profile import Bearer
from me_lib.provision.flow import _activate_with_backoff
from me_lib.provision.retry import CONFIGURATION_CAUSES, RetryPolicy


class _Channel:
    def __init__(self):
        self.waits = []

    def poll(self, timeout=0.0):
        self.waits.append(timeout)


class _Modem:
    """Fails `fail` times with `error(cid)`, then activates."""

    def __init__(self, error, fail):
        self.channel = _Channel()
        self.error = error
        self.fail = fail
        self.tries = 0

    def activate(self, cid, bearer):
        self.tries += 1
        if self.tries <= self.fail:
            raise self.error(cid)


TRANSIENT = {"ESM #26": lambda cid: ActivationRejected(cid, 26),
             "timeout": lambda cid: AtTimeout("AT+CGACT=1,%d" % cid, 150.0)}


@pytest.mark.parametrize("kind", sorted(TRANSIENT))
def test_transient_refusals_back_off_2_then_4_seconds_then_give_up(kind):
    modem = _Modem(TRANSIENT[kind], fail=99)
    with pytest.raises((ActivationRejected, AtTimeout)):
        _activate_with_backoff(modem, 3, Bearer("iot.example"))
    assert modem.tries == 3
    assert modem.channel.waits == [2.0, 4.0]


@pytest.mark.parametrize("kind", sorted(TRANSIENT))
def test_back_off_stops_waiting_once_it_succeeds(kind):
    modem = _Modem(TRANSIENT[kind], fail=1)
    _activate_with_backoff(modem, 3, Bearer("iot.example"))
    assert modem.tries == 2 and modem.channel.waits == [2.0]


def test_back_off_doubles_from_the_first_delay_for_more_attempts():
    modem = _Modem(TRANSIENT["ESM #26"], fail=99)
    with pytest.raises(ActivationRejected):
        _activate_with_backoff(modem, 3, Bearer("iot.example"),
                               RetryPolicy(attempts=5, delay=0.5))
    assert modem.channel.waits == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("cause", CONFIGURATION_CAUSES)
def test_a_configuration_cause_is_never_retried(cause):
    modem = _Modem(lambda cid: ActivationRejected(cid, cause), fail=99)
    with pytest.raises(ActivationRejected) as err:
        _activate_with_backoff(modem, 3, Bearer("iot.example"))
    assert err.value.cause == cause
    assert modem.tries == 1 and modem.channel.waits == []


def test_a_policy_decides_which_causes_are_final_and_the_factor():
    modem = _Modem(lambda cid: ActivationRejected(cid, 26), fail=99)
    with pytest.raises(ActivationRejected):
        _activate_with_backoff(modem, 3, Bearer("iot.example"),
                               RetryPolicy(final_causes=(26,)))
    assert modem.tries == 1 and modem.channel.waits == []
    modem = _Modem(lambda cid: ActivationRejected(cid, 27), fail=99)
    with pytest.raises(ActivationRejected):
        _activate_with_backoff(modem, 3, Bearer("iot.example"),
                               RetryPolicy(attempts=4, delay=1.0, factor=3.0, final_causes=()))
    assert modem.tries == 4 and modem.channel.waits == [1.0, 3.0, 9.0]


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"delay": -1.0}, {"factor": 0.5}])
def test_a_policy_that_cannot_end_or_goes_backwards_is_a_typed_error(bad):
    with pytest.raises(ProvisionError) as err:
        RetryPolicy(**bad)
    assert isinstance(err.value, MeLibError) and err.value.step == "arguments"


@pytest.mark.parametrize("bad", [{"delay": float("inf")}, {"delay": float("nan")},
                                 {"factor": float("nan")}, {"max_pause": float("inf")},
                                 {"delay": 10.0, "max_pause": 5.0}])
def test_a_policy_whose_pause_is_unbounded_or_undefined_is_a_typed_error(bad):
    # an infinite or NaN pause would be an unbounded wait in channel.poll
    with pytest.raises(ProvisionError) as err:
        RetryPolicy(**bad)
    assert err.value.step == "arguments" and "max_pause" in str(err.value)


def test_pauses_of_a_long_policy_stay_finite_and_capped():
    # 10 ** 400 is past a float: CPython raised a bare OverflowError at try ~309
    policy = RetryPolicy(attempts=2000, delay=1.0, factor=10.0)
    assert policy.pause(1) == 1.0
    assert policy.pause(400) == policy.max_pause
    assert policy.pause(1999) == policy.max_pause
    assert policy.pause(2000) is None
    assert RetryPolicy(attempts=5000, delay=0.0, factor=10.0).pause(4000) == 0.0
    assert RetryPolicy(attempts=9, delay=2.0, factor=float("inf")).pause(3) == \
        RetryPolicy().max_pause
