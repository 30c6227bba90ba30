"""The real last hop of the expanders: the Pi's I2C bus ``/dev/i2c-N`` through adafruit-blinka.

:func:`open_bus` is the expanders' bus opener on a Pi: ``adafruit_extended_bus.ExtendedI2C``
(blinka's ``busio.I2C`` for a bus chosen by its number). A bus that is not
there is a :class:`~drivers.base.DeviceError` saying how to enable it: never a
quiet fallback to the simulated bus.
"""

from __future__ import annotations

import os
from typing import Any

from drivers.base import DeviceError

DEVICE = "rating pads"

#: How to switch the I2C bus on (Raspberry Pi OS bookworm keeps config.txt in /boot/firmware).
ENABLE_I2C = (
    "enable I2C: sudo raspi-config nonint do_i2c 0 (or add dtparam=i2c_arm=on to /boot/firmware/config.txt) "
    "and reboot; on a PC set backend = \"simulated\" in [rating_pads]"
)


def bus_path(number: int) -> str:
    """The device file of I2C bus ``number``."""
    return f"/dev/i2c-{number}"


def open_bus(number: int) -> Any:
    """I2C bus ``number`` as a blinka bus object, or a DeviceError naming the fix."""
    path = bus_path(number)
    if not os.path.exists(path):
        raise DeviceError(DEVICE, f"there is no I2C bus {number} ({path} is missing)", ENABLE_I2C)
    try:
        from adafruit_extended_bus import ExtendedI2C
    except ImportError as exc:
        raise DeviceError(
            DEVICE, f"the adafruit-extended-bus library is not installed ({exc})",
            "pip install adafruit-extended-bus adafruit-circuitpython-mcp230xx",
        ) from exc
    try:
        return ExtendedI2C(number)
    except PermissionError as exc:
        raise DeviceError(
            DEVICE, f"permission denied on {path}", "add the kiosk user to the i2c group: sudo adduser kiosk i2c"
        ) from exc
    except (OSError, ValueError) as exc:
        raise DeviceError(DEVICE, f"cannot open I2C bus {number} ({exc})", ENABLE_I2C) from exc
