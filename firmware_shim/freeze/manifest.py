# MicroPython freeze manifest: me_lib and the shim frozen into the firmware.
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC \
#        FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/manifest.py
#   make -C ports/unix FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/manifest.py
#
# Frozen bytecode and constants stay in flash instead of the heap (bench:
# mp32_code_heap_bytes is what loading the .mpy files from a file system costs);
# module-level objects (functions, classes, tables) are still built in RAM, and
# only for the modules a board imports.
# The build runs this file with its own directory as the working directory and
# provides include() and module(); firmware_shim/manifest.txt stays the one
# list of what a board gets.
# mypy: ignore-errors

# The port's own frozen modules, where it has them: ESP32, RP2, STM32 keep them in
# boards/manifest.py; the unix port has none there (its variants freeze with
# require(), which needs micropython-lib), so a missing file is not an error. The
# build's include() reports it as its own error with the FileNotFoundError as the
# context; any other failure (the port's manifest is broken) still stops the build.
try:
    include("$(PORT_DIR)/boards/manifest.py")  # noqa: F821 - given by the build
except Exception as exc:  # the build's ManifestFileError
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

# The list: manifest.txt, or the one an including manifest names (core_manifest.py
# includes this file with listing="core_manifest.txt"; the build's include() passes it
# as `options`).
options.defaults(listing="manifest.txt")  # noqa: F821 - given by the build
with open("../" + options.listing) as listing:  # noqa: F821
    for line in listing:
        line = line.strip()
        if line and not line.startswith("#"):
            if edition is not None and line == DIALECTS_MODULE:
                module(line, base_path=edition)  # noqa: F821
            else:
                module(line, base_path="../..")  # noqa: F821
