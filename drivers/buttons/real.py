"""The real backend: the Pi's GPIO through lgpio (every Pi model, the Pi 5 included).

Its only job is the pin factory :class:`~drivers.buttons.panel.ButtonPanel`
runs on. lgpio is imported when the factory is made, so a machine without it
gets a :class:`~drivers.base.DeviceError` saying how to install it.
"""

from __future__ import annotations

from typing import Any

from drivers.base import DeviceError

_SIMULATE = 'on a PC set backend = "simulated" in [buttons]'


def pin_factory() -> Any:
    """lgpio's pin factory, or a DeviceError saying how to get it.

    We name lgpio instead of asking gpiozero for its default, because the default
    falls back silently to other libraries (and, off a Pi, to nothing useful).
    """
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
    except ImportError as exc:
        raise DeviceError(
            "buttons",
            f"the lgpio library is not installed ({exc})",
            "on the Pi: sudo apt install python3-lgpio and create the venv with --system-site-packages; " + _SIMULATE,
        ) from exc
    try:
        return LGPIOFactory()
    except Exception as exc:
        raise DeviceError(
            "buttons",
            f"cannot open the GPIO chip ({exc})",
            "run on a Raspberry Pi, check that /dev/gpiochip* exists and the kiosk user is in the gpio group; "
            + _SIMULATE,
        ) from exc
