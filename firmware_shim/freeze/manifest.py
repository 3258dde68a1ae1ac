# MicroPython freeze manifest: me_lib and the shim frozen into the firmware.
#
#   make -C ports/esp32 BOARD=ESP32_GENERIC \
#        FROZEN_MANIFEST=/path/to/me_lib/firmware_shim/freeze/manifest.py
#
# Frozen bytecode runs from flash: the heap then holds only the flow's data
# (bench: mp_flow_heap_bytes) instead of every module's code as well
# (mp_heap_high_water_bytes, .mpy files loaded from the file system).
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
