"""Whatever text a user, a profile file or a modem hands us, validators raise only
me_lib errors. (Decoders of card bytes: tests/codec/test_decoder_fuzz.py, over the
fuzz targets of bench/fuzz_targets.py, round trips included.)"""

from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import apn, apn_rules, dmcfg, ids
from me_lib.errors import MeLibError


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_text_inputs(text: str) -> None:
    for fn in (apn_rules.validate, apn_rules.strip_operator_id, apn.encode, ids.iccid_from_at,
               dmcfg.validate_address, dmcfg.protocol_number, dmcfg.pdn_type_number):
        try:
            fn(text)
        except MeLibError:
            pass
