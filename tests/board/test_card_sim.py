"""The board's card read against the full library on the simulator: same +CRSM lines, same profile.

For each module family the board core supports here (BG96: the default
scenario, SIM7080 with its `crsm_seed` GET RESPONSE form, SARA-R4), the full
library (`Modem` + `sources.chain.read_profile` with a `ProfileCache`) and the
board (`Link` + `board.card`) each read a fresh simulated modem of the same
scenario, once without and once with what the previous run stored; the
+CRSM lines they send and the profiles they give must be equal. Card edits
(a new sequence number, a torn update, no file) apply to both sides alike.
"""

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import serial

import me_lib  # noqa: F401 - registers the sim:// URL handler
from me_lib.at.channel import AtChannel
from me_lib.board import card, start
from me_lib.board.link import Link
from me_lib.card.catalogue import EFS, PATH
from me_lib.card.path import to_hex
from me_lib.codec import dmcfg
from me_lib.errors import MeLibError, ProfileIntegrityError, ProfileMissing
from me_lib.modem.dialects import by_name
from me_lib.modem.modem import Modem
from me_lib.sources.chain import read_profile

from .test_card_decode import project

SCENARIOS = ("default", "simcom-sim7080", "ublox-sara-r4")
SCENARIO_DIR = Path(card.__file__).parents[1] / "sim" / "scenarios"
DMCFG = "3F007FFF5F4D4F01"
HEAD = 'AT+CRSM=176,20225,0,0,9,,"3F007FFF5F4D"'

Edit = Callable[[Any], None]


def dialect_of(scenario: str) -> str:
    return str(tomllib.loads((SCENARIO_DIR / (scenario + ".toml")).read_text())["dialect"])


def crsm_lines(sent: list[bytes]) -> list[str]:
    return [b.decode().strip() for b in sent if b.startswith(b"AT+CRSM")]


def full_run(scenario: str, cache: Path, edit: Edit | None = None) -> tuple[Any, list[str]]:
    """(profile projection or the error, +CRSM lines) of the full library on a fresh modem."""
    port = serial.serial_for_url("sim://" + scenario)
    if edit is not None:
        edit(port.modem.sim.card)
    modem = Modem(AtChannel(port))
    sent: list[bytes] = []
    try:
        modem.ready()
        modem.channel.trace = lambda d, b, t: sent.append(b) if d == "tx" else None
        try:
            result: Any = project(read_profile(modem, sources=["usim"], cache=cache))
        except MeLibError as exc:
            result = exc
    finally:
        modem.close()
    return result, crsm_lines(sent)


def board_link(scenario: str, edit: Edit | None = None) -> tuple[Link, list[bytes]]:
    """A synced board link on a fresh modem with its SIM ready; `sent` collects what follows."""
    port = serial.serial_for_url("sim://" + scenario)
    if edit is not None:
        edit(port.modem.sim.card)
    sent: list[bytes] = []
    link = Link(port, by_name(dialect_of(scenario)),
                trace=lambda d, b, t: sent.append(b) if d == "tx" else None)
    start.start(link, {}, link.dialect.name)  # the board flow's own steps before the card:
    start.sim(link, None)                     # the same time passes as in the full library's
    sent.clear()
    return link, sent


def board_run(scenario: str, cached: dict[str, Any] | None,
              edit: Edit | None = None) -> tuple[Any, list[str]]:
    link, sent = board_link(scenario, edit)
    try:
        result: Any = card.read_profile(link, cached)
    except MeLibError as exc:
        result = exc
    finally:
        link.port.close()
    return result, crsm_lines(sent)


def test_file_identities_are_the_catalogues() -> None:
    for name, row in (("EF_ICCID", card.ICCID_FILE), ("EF.DMCFG", card.DMCFG_FILE)):
        path = EFS[name][PATH]
        assert row[0] == path[-1]
        assert row[1][0] == to_hex(path[:-1])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fresh_and_cached_reads_match_the_full_library(scenario: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    want, want_lines = full_run(scenario, cache)
    got, lines = board_run(scenario, None)
    iccid, profile, origin = got
    assert lines == want_lines
    assert lines[0] == 'AT+CRSM=176,12258,0,0,10,,"3F00"'
    assert profile == want and origin == "usim:EF.DMCFG"
    assert len(iccid) in (19, 20) and iccid.isdigit()
    # a re-run: the full library answers from its cache after the 9-byte head
    again, again_lines = full_run(scenario, cache)
    got2, lines2 = board_run(scenario, {"iccid": iccid, "profile": profile})
    assert lines2 == again_lines == [lines[0], HEAD]
    assert got2 == (iccid, profile, "usim:EF.DMCFG") and again == want


def _bump(vc: Any, torn: bool = False) -> None:
    data = dmcfg.encode(dmcfg.DmConfig(
        (dmcfg.DmServer("coaps://dm2.example.net:5690", dmcfg.ADDR_URI),),
        (dmcfg.Bearer("dm.operator.example"),), sequence=2), 256)
    if torn:
        at = data.index(b"\x8f\x04")
        data = data[:at + 2] + bytes([data[at + 2] ^ 0xFF]) + data[at + 3:]
    vc.update_file(DMCFG, data)


@pytest.mark.parametrize("scenario", ["default", "simcom-sim7080"])
def test_an_updated_and_a_torn_file_with_a_cache(scenario: str, tmp_path: Path) -> None:
    """A new sequence number: the whole file again, the new profile. A torn update
    (bad CRC): the whole file, then the last good profile of the card (origin cache)."""
    cache = tmp_path / "cache.json"
    first, _ = full_run(scenario, cache)
    (iccid, profile, _), _ = board_run(scenario, None)
    doc = {"iccid": iccid, "profile": profile}
    want, want_lines = full_run(scenario, tmp_path / "other.json", _bump)
    got, lines = board_run(scenario, doc, _bump)
    assert lines == want_lines[:1] + [HEAD] + want_lines[1:]  # after the head, as the full

    full_cached, full_cached_lines = full_run(scenario, cache, _bump)
    assert lines == full_cached_lines and got[1] == want == full_cached
    assert got[1]["servers"] == [["uri", "coaps://dm2.example.net:5690", "dm2.example.net",
                                  5690, "coaps", 0]] and got[2] == "usim:EF.DMCFG"

    def torn(vc: Any) -> None:
        _bump(vc, torn=True)

    full_torn, full_torn_lines = full_run(scenario, tmp_path / "torn.json", torn)
    assert isinstance(full_torn, ProfileMissing)  # the full chain, no cache: nothing
    got, lines = board_run(scenario, None, torn)
    assert isinstance(got, ProfileIntegrityError) and lines == full_torn_lines
    cache2 = tmp_path / "cache2.json"
    full_run(scenario, cache2)
    fell_back, fell_back_lines = full_run(scenario, cache2, torn)
    got, lines = board_run(scenario, doc, torn)
    assert got == (iccid, profile, "cache:EF.DMCFG") and fell_back == first == profile
    assert lines == fell_back_lines


def test_an_unprovisioned_file_is_profile_missing_even_with_a_cache(tmp_path: Path) -> None:
    def drop(vc: Any) -> None:
        vc.update_file(DMCFG, b"\xff" * 16)

    (iccid, profile, _), _ = board_run("default", None)
    got, lines = board_run("default", {"iccid": iccid, "profile": profile}, drop)
    want, want_lines = full_run("default", tmp_path / "c.json", drop)
    assert isinstance(got, ProfileMissing) and isinstance(want, ProfileMissing)
    assert lines == want_lines[:1] + [HEAD] + want_lines[1:]
