# MicroPython freeze manifest of the board core (boards without PSRAM, issue 15).
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC \
#        FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/core_manifest.py
#
# manifest.py next to it (the port's own frozen modules, ME_LIB_DIALECT), with
# firmware_shim/core_manifest.txt (the `me_lib.board` core and the tables it reads)
# as the list. The board's main.py is firmware_shim/core_main.py (`deploy --core
# --main`, or copied by hand).
# mypy: ignore-errors

include("manifest.py", listing="core_manifest.txt")  # noqa: F821 - given by the build
