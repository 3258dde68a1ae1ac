# MicroPython freeze manifest of the board core (boards without PSRAM, issue 15).
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC \
#        FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/core_manifest.py
#
# The same as manifest.py next to it, with firmware_shim/core_manifest.txt (the
# `me_lib.board` core and the tables it reads) as the list: the port's own frozen
# modules where it has them, then exactly that list. The board's main.py is
# firmware_shim/core_main.py (`deploy --core --main`, or copied by hand).
# mypy: ignore-errors

try:
    include("$(PORT_DIR)/boards/manifest.py")  # noqa: F821 - given by the build
except Exception as exc:  # the build's ManifestFileError (see manifest.py)
    if not isinstance(exc, FileNotFoundError) and \
            not isinstance(exc.__context__, FileNotFoundError):
        raise

# ME_LIB_DIALECT=NAME (a row of me_lib.modem.dialects, as deploy.py --dialect): a board
# drives one modem, so the dialect table is frozen as its board edition (that row and
# GENERIC only: firmware_shim/board_edition.py), written to ME_LIB_DIALECT_DIR or
# build/freeze-dialect/NAME and frozen from there under its own name. Unset: every row.
# An unknown NAME stops the build (EditionError says which names there are).
import os
import sys

edition = None
if os.environ.get("ME_LIB_DIALECT"):
    sys.path.insert(0, os.path.abspath("../.."))
    try:
        from firmware_shim.board_edition import DIALECTS_MODULE, for_freeze
    finally:
        sys.path.remove(os.path.abspath("../.."))
    edition = for_freeze(os.environ["ME_LIB_DIALECT"], os.environ.get("ME_LIB_DIALECT_DIR"))

with open("../core_manifest.txt") as listing:
    for line in listing:
        line = line.strip()
        if line and not line.startswith("#"):
            if edition is not None and line == DIALECTS_MODULE:
                module(line, base_path=edition)  # noqa: F821
            else:
                module(line, base_path="../..")  # noqa: F821
