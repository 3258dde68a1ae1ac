"""The end record of `me-lib provision --record` holds no secret (me_lib/commands/trace_end.py).

`snapshot_state` copies the state directory's files into the trace. A product
that opted into `ProfileCache(store_passwords=True)` keeps APN passwords in
profile-cache.json, and the CLI reads the same state directory: the password
went into the trace in clear. The state dir here is outside tmp_path because
the cache file itself holds the password on purpose (the product's opt-in);
what is checked is what the trace gets.
"""

import json
import tempfile
from pathlib import Path

from me_lib.commands.trace_end import snapshot_state
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.sources.cache import ProfileCache


def test_a_cached_password_does_not_reach_the_snapshot() -> None:
    profile = Profile([DmServer("coaps://dm.example.com")],
                      [Bearer("dm.example"), Bearer("iot.example", auth="chap", username="u",
                                                    password="pw-Zq7xK9", services=["telemetry"])])
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        ProfileCache(state / "profile-cache.json", store_passwords=True).put(
            "89860318640220133897", profile)
        assert "pw-Zq7xK9" in (state / "profile-cache.json").read_text()  # the opt-in
        snap = snapshot_state(state)
    text = json.dumps(snap)
    assert "pw-Zq7xK9" not in text
    assert '"has_password": true' in text      # what the cache entry said stays
