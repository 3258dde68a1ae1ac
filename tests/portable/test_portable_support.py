from portable_support import raises


def test_raises_returns_the_exception():
    exc = raises(ValueError, int, "x")
    assert isinstance(exc, ValueError)


def test_raises_fails_when_nothing_is_raised():
    try:
        raises(ValueError, int, "1")
    except AssertionError:
        return
    raise AssertionError("raises() accepted a call that raised nothing")
