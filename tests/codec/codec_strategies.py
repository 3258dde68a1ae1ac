"""Hypothesis strategies shared by the codec tests (valid models of each format)."""

from hypothesis import strategies as st

from me_lib.codec import apn_rules

_label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)

ni_texts = st.lists(_label, min_size=1, max_size=4).map(".".join).filter(apn_rules.is_valid)

oi_texts = st.tuples(st.integers(0, 999), st.integers(0, 999)).map(
    lambda t: apn_rules.operator_id(t[0], t[1]))


@st.composite
def apn_texts(draw: st.DrawFn, allow_empty: bool = True) -> str:
    """Valid APNs in dotted form: empty, NI only, or NI + OI."""
    choice = draw(st.integers(0 if allow_empty else 1, 3))
    if choice == 0:
        return ""
    ni = draw(ni_texts)
    if choice == 3:
        full = ni + "." + draw(oi_texts)
        if apn_rules.is_valid(full):
            return full
    return ni


tag_values = st.tuples(
    st.one_of(st.integers(0, 0xFE).filter(lambda t: t & 0x1F != 0x1F),
              st.integers(0x1F, 0xFF).filter(lambda t: t & 0x1F == 0x1F).flatmap(
                  lambda first: st.integers(0, 0x7F).map(lambda second: first << 8 | second))),
    st.binary(max_size=300),
)
