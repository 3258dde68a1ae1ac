"""Where ../shared (transcripts, references) is: beside the checkout, as in CI."""

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    env = os.environ.get("ME_LIB_SHARED")
    if env:
        return Path(env)
    beside = _REPO.parent / "shared"
    if beside.is_dir():
        return beside
    return Path("/work/shared")


TRANSCRIPTS = shared_dir() / "transcripts"
