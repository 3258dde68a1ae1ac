"""The flow's decisions on both interpreters: plan, profile checks, sources merge, cache, probe.

These are the parts where MicroPython differs most from CPython without an
error (dict order, no `add_note`, no hexdigest), so each test pins the exact
output: a board must plan the same cids, merge the same fields and persist
the same documents as a PC for the same input.
"""

from portable_support import raises

from me_lib.errors import InvalidAddress, ProfileError, ProfileMissing, ProvisionError
from me_lib.modem.parsers import PdpContext
from me_lib.profile import Bearer, DmServer, Profile, split_uri
from me_lib.provision.ownership import Ownership
from me_lib.provision.plan import ModemState, auth_key, plan
from me_lib.provision.probe import build_ping, is_ping_reply, message_id
from me_lib.sources.base import Partial, ServerEntry
from me_lib.sources.cache import ProfileCache
from me_lib.sources.chain import Unavailable, make_source, read_profile

ICCID = "89882806660000000036"


# --- helpers ----------------------------------------------------------------------------


class MemoryDocument:
    """A document object (load/save) in memory; counts the saves (flash wear)."""

    def __init__(self, data=None, fail=None):
        self.data = data
        self.saves = 0
        self.fail = fail

    def load(self):
        if isinstance(self.data, str):
            raise ValueError("not JSON")
        return self.data

    def save(self, data):
        if self.fail is not None:
            raise self.fail
        self.saves += 1
        self.data = data


class FakeCard:
    def iccid(self):
        return ICCID


class FakeModem:
    """The ModemLike surface read_profile touches when only fake sources are used."""

    def usim(self):
        return FakeCard()


class FakeSource:
    def __init__(self, name, part):
        self.name = name
        self.part = part
        self.reads = 0

    def read(self, ctx):
        self.reads += 1
        return self.part


def _profile(apn0="dm.operator.example", services=(), sequence=None):
    bearers = [Bearer(apn0)]
    for apn, names in services:
        bearers.append(Bearer(apn, services=names))
    return Profile([DmServer("dm.example.net", 5684, "coaps")], bearers, sequence=sequence)


# --- plan -------------------------------------------------------------------------------


def test_plan_adopts_the_default_bearer_by_apn_without_the_operator_suffix():
    ctx = PdpContext(1, "IP", "dm.operator.example.mnc001.mcc001.gprs", active=True)
    the_plan = plan(_profile(), ModemState([ctx], [1, 2, 3], 1))
    assert the_plan.apn0.action == "keep" and the_plan.apn0.cid == 1
    assert not the_plan.apn0.write_auth and the_plan.writes == 0


def test_plan_defines_apn0_when_the_default_bearer_differs():
    ctx = PdpContext(1, "IP", "internet")
    the_plan = plan(_profile(), ModemState([ctx], [1, 2], 1))
    assert (the_plan.apn0.action, the_plan.apn0.reason) == ("define",
                                                            "default bearer has 'internet'")
    assert the_plan.writes == 1


def test_plan_takes_free_cids_in_order_and_keeps_user_contexts():
    profile = _profile(services=[("iot.example", ["telemetry"]), ("fota.example", ["fota"]),
                                 ("user.example", ["user"])])
    contexts = [PdpContext(1, "IP", "dm.operator.example"), PdpContext(2, "IP", "mine"),
                PdpContext(5, "IP", "user.example")]
    the_plan = plan(profile, ModemState(contexts, [1, 2, 3, 4, 5, 6], 1))
    got = [(i.name, i.cid, i.action) for i in the_plan.items]
    assert got == [("APN0", 1, "keep"), ("telemetry", 3, "define"), ("fota", 4, "define"),
                   ("user", 5, "keep")]
    assert the_plan.release == []
    assert the_plan.to_dict()["writes"] == 2


def test_plan_reuses_owned_cids_and_releases_the_rest_in_cid_order():
    profile = _profile(services=[("new.example", ["telemetry"])])
    contexts = [PdpContext(1, "IP", "dm.operator.example"), PdpContext(9, "IP", "old9"),
                PdpContext(4, "IP", "old4"), PdpContext(7, "IP", "old7"),
                PdpContext(8, "IP", "users")]
    owned = {9: _rec("old9"), 7: _rec("old7"), 4: _rec("old4"), 12: _rec("gone")}
    the_plan = plan(profile, ModemState(contexts, list(range(1, 16)), 1, owned))
    assert [(i.cid, i.action) for i in the_plan.services] == [(4, "define")]
    assert the_plan.release == [7, 9]  # 8 is the user's, 12 no longer on the modem
    assert the_plan.forget == []


def _rec(apn, pdp_type="IP"):
    return {"apn": apn, "pdp_type": pdp_type, "auth": "none", "role": "service"}


def test_plan_forgets_records_of_contexts_the_user_redefined_and_touches_them_not():
    """Ours only while the modem holds what we recorded (APN and PDP type, exactly)."""
    profile = _profile(services=[("new.example", ["telemetry"])])
    contexts = [PdpContext(1, "IP", "dm.operator.example"),
                PdpContext(4, "IP", "users.apn"),              # APN changed by the user
                PdpContext(5, "IPV6", "old5"),                 # PDP type changed
                PdpContext(6, "", "old6"),                     # type gone: not what we wrote
                PdpContext(7, "IP", "OLD7.mnc001.mcc001.gprs"),  # same APN, OI appended
                PdpContext(8, "IP", "old8")]
    owned = {4: _rec("old4"), 5: _rec("old5"), 6: _rec("old6"), 7: _rec("old7"),
             8: _rec("old8"), 9: _rec("gone")}
    the_plan = plan(profile, ModemState(contexts, list(range(1, 16)), 1, owned))
    assert [c for c, _ in the_plan.forget] == [4, 5, 6]
    assert "redefined outside me_lib" in the_plan.forget[0][1]
    assert "'users.apn'" in the_plan.forget[0][1]
    # the first still-ours cid is reused, the others still ours are released
    assert [(i.cid, i.action) for i in the_plan.services] == [(7, "define")]
    assert the_plan.release == [8]
    assert the_plan.to_dict()["forget"][0]["cid"] == 4


def _network_rec(network_apn=None):
    rec = _rec("")
    if network_apn is not None:
        rec["network_apn"] = network_apn
    return rec


def test_plan_keeps_a_network_provided_service_however_the_modem_shows_it():
    """An empty service APN matches its context defined empty, or showing the APN the
    network gave it (recorded beside the empty one), suffix or not."""
    profile = _profile(apn0="", services=[("", ["telemetry"]), ("fota.example", ["fota"])])
    for shown in ("", "internet.sim", "INTERNET.SIM.mnc001.mcc001.gprs"):
        contexts = [PdpContext(1, "IP", "internet.sim.mnc001.mcc001.gprs", active=True),
                    PdpContext(2, "IP", shown, active=True),
                    PdpContext(3, "IP", "fota.example", active=True)]
        owned = {2: _network_rec("internet.sim"), 3: _rec("fota.example")}
        the_plan = plan(profile, ModemState(contexts, [1, 2, 3, 4], 1, owned))
        assert [(i.cid, i.action) for i in the_plan.items] == [
            (1, "keep"), (2, "keep"), (3, "keep")], (shown, the_plan.items)
        assert the_plan.writes == 0 and the_plan.forget == [] and the_plan.release == []


def test_plan_leaves_a_network_provided_context_the_user_redefined():
    """Recorded empty, now showing an APN the network did not give it: the user's."""
    profile = _profile(services=[("", ["telemetry"])])
    for rec in (_network_rec("internet.sim"), _network_rec()):
        contexts = [PdpContext(1, "IP", "dm.operator.example"),
                    PdpContext(2, "IP", "user.private")]
        the_plan = plan(profile, ModemState(contexts, [1, 2, 3], 1, {2: rec}))
        assert [c for c, _ in the_plan.forget] == [2]
        assert [(i.cid, i.action) for i in the_plan.services] == [(3, "define")]


def test_plan_takes_the_network_given_apn_of_an_empty_default_bearer():
    """A module showing `+CGDCONT: 1,"IP",""` (27.007: the definition) while the network
    gave it the profile's APN0 (+CGCONTRDP): nothing to change."""
    profile = _profile(apn0="internet.sim")
    contexts = [PdpContext(1, "IP", "", active=True)]
    state = ModemState(contexts, [1, 2], 1, None, {1: "internet.sim.mnc001.mcc001.gprs"})
    assert plan(profile, state).apn0.action == "keep"
    assert plan(profile, ModemState(contexts, [1, 2], 1)).apn0.action == "define"
    other = ModemState(contexts, [1, 2], 1, None, {1: "other.apn"})
    assert plan(profile, other).apn0.action == "define"


def test_ownership_keeps_a_network_provided_service_record():
    doc = MemoryDocument({"imei:1": {"2": _network_rec("internet.sim"),
                                     "3": _network_rec(),
                                     "4": dict(_rec("x.example"), network_apn="y.example"),
                                     "5": _network_rec("bad..apn")}})
    owned = Ownership(doc).owned("imei:1")
    assert sorted(owned) == [2, 3]
    assert owned[2]["network_apn"] == "internet.sim"


def test_plan_never_adopts_a_context_with_an_empty_pdp_type():
    """`+CGDCONT: 1,"",apn` is no type: it does not equal the profile's IP."""
    profile = _profile(services=[("iot.example", ["telemetry"])])
    contexts = [PdpContext(1, "", "dm.operator.example"), PdpContext(2, "", "iot.example")]
    the_plan = plan(profile, ModemState(contexts, [1, 2, 3], 1))
    assert the_plan.apn0.action == "define"
    assert [(i.cid, i.action) for i in the_plan.services] == [(3, "define")]
    typed = [PdpContext(1, "ip", "dm.operator.example"), PdpContext(2, "IP", "iot.example")]
    again = plan(profile, ModemState(typed, [1, 2, 3], 1))
    assert [(i.cid, i.action) for i in again.items] == [(1, "keep"), (2, "keep")]


def test_plan_writes_no_auth_on_a_kept_unrecorded_context_that_needs_none():
    """Without a record only the profile's auth decides (the 'defining' branch was dead)."""
    profile = _profile(services=[("iot.example", ["telemetry"])])
    contexts = [PdpContext(1, "IP", "dm.operator.example"), PdpContext(2, "IP", "iot.example")]
    the_plan = plan(profile, ModemState(contexts, [1, 2, 3], 1))
    assert [i.write_auth for i in the_plan.items] == [False, False]
    assert the_plan.writes == 0
    chap = Profile([], [Bearer("dm.operator.example"),
                        Bearer("iot.example", auth="chap", username="u", password="p",
                               services=["telemetry"])])
    assert [i.write_auth for i in plan(chap, ModemState(contexts, [1, 2, 3], 1)).items] == [
        False, True]


def test_plan_without_a_free_cid_says_which_are_taken():
    profile = _profile(services=[("iot.example", ["telemetry"])])
    contexts = [PdpContext(1, "IP", "dm.operator.example"), PdpContext(2, "IP", "users")]
    the_plan = plan(profile, ModemState(contexts, [1, 2], 1))
    assert [i.role for i in the_plan.items] == ["apn0"]
    assert len(the_plan.unplaced) == 1
    bearer, why = the_plan.unplaced[0]
    assert bearer.apn == "iot.example" and "telemetry" in why and "(1,2)" in why
    assert "cid(s) 2" in why and "did not create" in why


def test_plan_on_a_module_with_too_few_cids_says_so():
    profile = _profile(services=[("iot.example", ["telemetry"]), ("fota.example", ["fota"])])
    the_plan = plan(profile, ModemState([PdpContext(1, "IP", "dm.operator.example")],
                                        [1, 2], 1))
    assert [i.cid for i in the_plan.items] == [1, 2]
    assert len(the_plan.unplaced) == 1
    bearer, why = the_plan.unplaced[0]
    assert bearer.apn == "fota.example" and "fota" in why
    assert "offers only 2 context(s)" in why and "did not create" not in why
    assert the_plan.to_dict()["unplaced"][0]["name"] == "fota"


def test_auth_key_is_the_same_digest_on_every_interpreter():
    bearer = Bearer("iot.example", auth="chap", username="dev", password="s3cret")
    assert auth_key(bearer) == "chap:7c7aff00b34a8ef6"
    assert auth_key(Bearer("iot.example")) == "none"


def test_plan_rewrites_auth_only_when_the_recorded_key_differs():
    bearer_profile = Profile([], [Bearer("dm.operator.example", auth="pap", username="u",
                                         password="p")])
    ctx = PdpContext(1, "IP", "dm.operator.example")
    key = auth_key(bearer_profile.apn0)
    same = plan(bearer_profile, ModemState([ctx], [1], 1, {1: {"auth": key}}))
    assert same.writes == 0
    other = plan(bearer_profile, ModemState([ctx], [1], 1, {1: {"auth": "pap:0000"}}))
    assert other.apn0.write_auth and other.writes == 1


# --- ownership --------------------------------------------------------------------------


def test_ownership_keeps_its_record_in_a_document_object():
    good = _rec("a")
    doc = MemoryDocument({"imei:1": {"3": good}})
    record = Ownership(doc)
    assert record.owned("imei:1") == {3: good} and record.notes == []
    record.record("imei:1", 4, _rec("b"))
    assert doc.saves == 1 and doc.data["imei:1"]["4"] == _rec("b")
    record.release("imei:1", 3)
    record.release("imei:1", 3)  # not owned any more: nothing to write
    assert doc.saves == 2 and sorted(doc.data["imei:1"]) == ["4"]


def test_ownership_drops_malformed_entries_with_a_note():
    """The record picks cids to delete: only well-formed entries are believed."""
    apn0 = {"apn": "", "pdp_type": "IP", "auth": "none", "role": "apn0"}
    doc = MemoryDocument({
        "imei:1": {"0": apn0, "3": _rec("a"),
                   "x": _rec("b"), "256": _rec("c"), "-1": _rec("d"),
                   "4": "not a record", "5": {"apn": 5, "pdp_type": "IP"},
                   "6": _rec("bad apn;+CFUN=0"), "7": _rec("e", "X25"),
                   "8": {"apn": "f", "pdp_type": "IP", "auth": 7},
                   "9": {"apn": "g", "pdp_type": "IP", "auth": "kerberos:00"},
                   "10": {"apn": "h", "pdp_type": "IP", "role": "boss"},
                   # a network-provided service is recorded empty, with what the network
                   # gave it: a network APN beside a named one is no such record
                   "11": dict(_rec("i"), network_apn="j.example")},
        "imei:2": [1, 2], "junk": 5})
    record = Ownership(doc)
    assert record.owned("imei:1") == {0: apn0, 3: _rec("a")}
    assert record.owned("imei:2") == {}
    dropped = [n for n in record.notes if n.startswith("context record: dropped")]
    assert len(dropped) == 13, record.notes
    assert any("cid '256' is not 0..255" in n for n in dropped)
    assert any("invalid APN" in n for n in dropped)
    assert any("PDP type 'X25'" in n for n in dropped)


def test_ownership_notes_a_corrupt_record_and_a_failed_save_once():
    record = Ownership(MemoryDocument("{corrupt", fail=OSError(28, "No space left")))
    assert record.owned("imei:1") == {}
    record.record("imei:1", 2, _rec("a"))
    record.record("imei:1", 3, _rec("b"))
    assert record.failed_saves == 2
    assert len(record.notes) == 2
    assert record.notes[0].startswith("ignored unreadable context record")
    assert record.notes[1].startswith("could not save the context record")
    assert "make the state directory writable" in record.notes[1]
    assert record.new_notes() == record.notes and record.new_notes() == []
    assert record.owned("imei:1") == {2: _rec("a"), 3: _rec("b")}  # this run still knows


def test_ownership_survives_a_parser_out_of_stack():
    class Deep(MemoryDocument):
        def load(self):
            raise RuntimeError("maximum recursion depth exceeded")

    record = Ownership(Deep())
    assert record.owned("imei:1") == {}
    assert record.notes[0].startswith("ignored unreadable context record")


# --- profile ----------------------------------------------------------------------------


def test_uri_servers_split_like_urlsplit():
    assert split_uri("COAPS://User@DM.Example.NET:5684/bs?x#y") == (
        "coaps", "dm.example.net", 5684, "/bs")
    assert split_uri("coap://[2001:DB8::1]:61616") == ("coap", "2001:db8::1", 61616, "")
    assert split_uri("mqtt://broker:/") == ("mqtt", "broker", None, "/")
    server = DmServer("coaps+tcp://[2001:db8::2]/lwm2m")
    assert (server.host, server.effective_port, server.transport) == ("2001:db8::2", 5684,
                                                                        "tcp")
    assert server.host_is_ip


def test_bad_uris_are_invalid_addresses():
    for uri in ("coap://", "coap://:5683", "coap://host:65536", "coap://host:5a",
                "coap://[1.2.3.4]:5683", "coap://[::1", "coap://::1]", "coap://[::1]x",
                "coap://h\u00f4st", "no-scheme"):
        raises(InvalidAddress, split_uri, uri)
    raises(InvalidAddress, DmServer, "coap://host:99999")


def test_profile_validation():
    raises(ProfileMissing, Profile, [], [])
    raises(ProfileError, Bearer, "iot.example", services=["Bad Name"])
    raises(ProfileError, Bearer, "iot.example", pdp_type="X25")
    raises(ProfileError, Bearer, "iot.example", auth="pap", password='quo"te')
    raises(ProfileError, Profile, [DmServer("dm.example.net", bearer_index=2)],
           [Bearer("a.example")])
    exc = raises(ProfileError, Profile, [], [Bearer("a.example", services=["x"]),
                                             Bearer("b.example", services=["x"])])
    assert "bearers 0 and 1" in exc.message
    secret = Bearer("a.example", auth="pap", username="u", password="s3cret")
    assert "s3cret" not in repr(secret) and secret.to_dict()["password"] == "***"


def test_equal_servers_hash_equal():
    a = DmServer("dm.example.net", 5684, "coaps")
    b = DmServer("dm.example.net", None, "coaps")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1


# --- sources merge ----------------------------------------------------------------------


def test_each_field_comes_from_the_first_source_that_answers_it():
    first = FakeSource("one", Partial("one", apn0=Bearer("apn0.example"), sequence=None,
                                      notes=["one: no server"]))
    second = FakeSource("two", Partial(
        "two", servers=[ServerEntry(DmServer("dm.example.net"), "svc.example")],
        apn0=Bearer("ignored.example"),
        service_bearers=[Bearer("svc.example", services=["telemetry"])], sequence=7))
    third = FakeSource("three", Partial("three", apn0=Bearer("never.example")))
    profile = read_profile(FakeModem(), sources=[first, second, third])
    assert profile.apn0.apn == "apn0.example"
    assert [b.apn for b in profile.service_bearers] == ["svc.example"]
    assert profile.dm is not None and profile.dm.bearer_index == 1
    assert profile.origins == {"apn0": "one", "dm_servers": "two", "service_bearers": "two"}
    assert profile.sequence == 7 and profile.iccid == ICCID
    assert profile.notes == ["one: no server"]
    assert third.reads == 0  # every field answered: not asked


def test_sequence_comes_from_the_earliest_source_in_the_chain():
    first = FakeSource("a", Partial("a", apn0=Bearer("a.example"), sequence=3))
    second = FakeSource("b", Partial("b", service_bearers=[], servers=[], sequence=9))
    assert read_profile(FakeModem(), sources=[first, second]).sequence == 3


def test_a_service_on_two_bearers_stays_on_the_service_bearer():
    apn0 = Bearer("a.example", services=["telemetry", "fota"])
    first = FakeSource("a", Partial("a", apn0=apn0, servers=[]))
    second = FakeSource("b", Partial("b", service_bearers=[
        Bearer("s1.example", services=["telemetry"]),
        Bearer("s2.example", services=["telemetry", "x"])]))
    profile = read_profile(FakeModem(), sources=[first, second])
    assert [b.services for b in profile.bearers] == [("fota",), ("telemetry",), ("x",)]
    assert len(profile.notes) == 3  # s2 loses telemetry, APN0 loses it, no DM server


def test_no_apn0_raises_profile_missing_with_every_note():
    empty = FakeSource("empty", Partial("empty", notes=["empty: nothing here"]))
    exc = raises(ProfileMissing, read_profile, FakeModem(), [empty])
    assert "(empty)" in exc.message
    assert exc.__notes__ == ["empty: nothing here"]


def test_unknown_and_unavailable_sources():
    raises(ProfileError, make_source, "nosuch")
    raises(ProfileError, read_profile, FakeModem(), [])
    gone = Unavailable("file", "no module named 'tomllib'")
    ok = FakeSource("ok", Partial("ok", apn0=Bearer("ok.example")))
    profile = read_profile(FakeModem(), sources=[gone, ok])
    assert profile.notes[0] == "file: not available here (no module named 'tomllib'); skipped"
    assert profile.apn0.apn == "ok.example"


# --- profile cache ----------------------------------------------------------------------


def test_cache_round_trip_in_a_document_object_without_rewriting_unchanged():
    doc = MemoryDocument()
    cache = ProfileCache(doc)
    profile = _profile(services=[("iot.example", ["telemetry"])], sequence=4)
    assert cache.put(ICCID, profile) is True
    assert cache.put(ICCID, profile) is False and doc.saves == 1
    restored, notes = cache.get(ICCID)
    assert notes == [] and restored == profile and restored.sequence == 4
    assert set(restored.origins.values()) == {"cache:EF.DMCFG"}
    assert cache.get("1" * 19) == (None, [])


def test_cache_drops_the_least_recently_stored_iccid():
    doc = MemoryDocument()
    cache = ProfileCache(doc, max_entries=2)
    for digit in "3129":
        cache.put(digit * 19, _profile(apn0=digit + ".example"))
    assert sorted(doc.data["profiles"]) == ["2" * 19, "9" * 19]
    assert doc.data["order"] == ["2" * 19, "9" * 19]
    # a file without `order` (older versions) counts its ICCIDs oldest in sorted order
    del doc.data["order"]
    cache.put("5" * 19, _profile())
    assert doc.data["order"] == ["9" * 19, "5" * 19]


def test_cache_ignores_a_corrupt_document_and_reports_a_failed_save():
    restored, notes = ProfileCache(MemoryDocument("{corrupt")).get(ICCID)
    assert restored is None and notes[0].startswith("cache: ") and "corrupt" in notes[0]
    restored, notes = ProfileCache(MemoryDocument({"format": 9})).get(ICCID)
    assert restored is None and "not a format-1 profile cache" in notes[0]
    full = ProfileCache(MemoryDocument(fail=OSError(28, "No space left")))
    exc = raises(ProfileError, full.put, ICCID, _profile())
    assert "cannot write the profile cache" in exc.message


def test_cache_keeps_passwords_out_unless_asked():
    secret = Profile([], [Bearer("a.example", auth="pap", username="u", password="s3cret")])
    doc = MemoryDocument()
    ProfileCache(doc).put(ICCID, secret)
    assert "password" not in doc.data["profiles"][ICCID]["bearers"][0]
    restored, notes = ProfileCache(doc).get(ICCID)
    assert restored.apn0.password is None and "was not cached" in notes[0]


# --- DM probe ---------------------------------------------------------------------------


class Bits:
    def getrandbits(self, k):
        return (1 << k) - 2


def test_probe_message_and_reply():
    assert build_ping(0x1234) == b"\x40\x00\x12\x34"
    raises(ProvisionError, build_ping, 0x10000)
    assert is_ping_reply(b"\x70\x00\x12\x34", 0x1234)       # RST, empty
    assert is_ping_reply(b"\x60\x45\x12\x34", 0x1234)       # ACK
    assert not is_ping_reply(b"\x70\x45\x12\x34", 0x1234)   # RST with a code
    assert not is_ping_reply(b"\x70\x00\x12\x35", 0x1234)   # other message id
    assert not is_ping_reply(b"\x70\x00", 0x1234)


def test_message_id_from_any_generator():
    assert message_id(Bits()) == 0xFFFE
    assert message_id(lambda: 7) == 7
    assert 0 <= message_id() <= 0xFFFF
    raises(ProvisionError, message_id, lambda: 0x10000)
    raises(ProvisionError, message_id, object())
