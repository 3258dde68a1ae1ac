"""`me-lib encode` and `me-lib card-sim` wiring (the lead adds the module to cli.py)."""

import argparse
from pathlib import Path

import pytest

from me_lib.codec import dmcfg
from me_lib.errors import ProfileError
from me_lib.sim import card_cli
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="me-lib")
    card_cli.register(p.add_subparsers(dest="command"))
    return p


def test_encode_prints_the_cards_dmcfg(capsys: pytest.CaptureFixture[str]) -> None:
    path = PROFILES_DIR / "default.toml"
    args = parser().parse_args(["encode", str(path)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out.strip()
    assert bytes.fromhex(printed) == VirtualCard.from_profile(path).read_file("7FFF5F4D4F01")
    cfg = dmcfg.decode(bytes.fromhex(printed))
    assert cfg is not None and cfg.servers[0].address == "dm.example.net"


def test_encode_errors(tmp_path: Path) -> None:
    no_section = tmp_path / "card.toml"
    no_section.write_text("[card]\n")
    with pytest.raises(ProfileError, match="no \\[dmcfg\\] section"):
        card_cli.run_encode(argparse.Namespace(profile=str(no_section)))
    with pytest.raises(ProfileError, match="cannot read"):
        card_cli.run_encode(argparse.Namespace(profile=str(tmp_path / "nope.toml")))


def test_card_sim_options() -> None:
    args = parser().parse_args(["card-sim", "--profile", "x.toml", "--port", "35964"])
    assert (args.profile, args.port, args.host, args.quickack) == (
        "x.toml", 35964, "127.0.0.1", True)
    assert args.func is card_cli.run_card_sim
