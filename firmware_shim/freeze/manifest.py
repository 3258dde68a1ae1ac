# MicroPython freeze manifest: me_lib and the shim frozen into the firmware.
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC \
#        FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/manifest.py
#
# Frozen bytecode and constants stay in flash instead of the heap (bench:
# mp32_code_heap_bytes is what loading the .mpy files from a file system costs);
# module-level objects (functions, classes, tables) are still built in RAM.
# The build runs this file with its own directory as the working directory and
# provides include() and module(); firmware_shim/manifest.txt stays the one
# list of what a board gets.
# mypy: ignore-errors

include("$(PORT_DIR)/boards/manifest.py")  # noqa: F821 - given by the build

with open("../manifest.txt") as listing:
    for line in listing:
        line = line.strip()
        if line and not line.startswith("#"):
            module(line, base_path="../..")  # noqa: F821
