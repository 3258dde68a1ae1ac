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

with open("../core_manifest.txt") as listing:
    for line in listing:
        line = line.strip()
        if line and not line.startswith("#"):
            module(line, base_path="../..")  # noqa: F821
