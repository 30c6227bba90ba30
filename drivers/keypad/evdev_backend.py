"""The real backend: USB keypads as evdev input devices under ``/dev/input``.

The only module of the keypad driver that imports python-evdev. It gives the
service its last hop: the lister (:func:`~drivers.keypad.service.find_devices`
on the configured glob patterns) and the opener (``evdev.InputDevice``, which
the reader grabs, reads and closes). python-evdev is imported when the backend
opens, so a missing one is a :class:`~drivers.base.DeviceError` naming the fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from drivers.base import DeviceError
from drivers.keypad.config import KeypadConfig
from drivers.keypad.service import KeypadDevice, find_devices


def evdev_backend(config: KeypadConfig) -> tuple[Callable[[], list[str]], Callable[[str], KeypadDevice]]:
    """The lister and the opener of the real keypads that ``config`` asks for.

    Raises DeviceError when python-evdev is missing or the machine has no ``/dev/input``.
    """
    try:
        import evdev
    except ImportError as exc:
        raise DeviceError(
            "keypads", f"python-evdev is not installed ({exc})", "pip install evdev (or apt install python3-evdev)"
        ) from exc
    if not os.path.isdir("/dev/input"):
        raise DeviceError(
            "keypads",
            "this machine has no /dev/input",
            'run on the Pi, or set backend = "simulated" in [keypads]',
        )
    return (lambda: find_devices(config)), evdev.InputDevice
