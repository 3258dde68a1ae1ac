import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import services
from me_lib.errors import ProfileError


def test_bit_positions() -> None:
    data = bytes([0b00000101, 0, 0, 0, 0b00000100])  # services 1, 3, 35
    assert services.decode(data) == {1, 3, 35}
    assert services.has(data, services.UST_ACL)
    assert services.has(data, services.EST_ACL)
    assert not services.has(data, 2)
    assert not services.has(data, 200)
    assert not services.has(data, 0)
    assert services.encode({1, 3, 35}, 5) == data


def test_encode_out_of_range() -> None:
    with pytest.raises(ProfileError):
        services.encode({9}, 1)
    with pytest.raises(ProfileError):
        services.encode({0}, 1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=20))
def test_round_trip(data: bytes) -> None:
    assert services.encode(services.decode(data), len(data)) == data
    for n in range(1, 8 * len(data) + 1):
        assert services.has(data, n) == (n in services.decode(data))
