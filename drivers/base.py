"""What every driver shares: the error type and the backend names."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

#: ``real`` drives the hardware; ``simulated`` runs on any Linux machine and
#: differs from ``real`` only in the last hop (it writes files instead).
Backend = Literal["real", "simulated"]


class DeviceError(Exception):
    """A device is missing, unplugged or misbehaving.

    The message is for a technician: it says what is wrong and how to fix it,
    e.g. ``printer: no USB device 0416:5011 found; check the cable and the
    vendor_id/product_id in [printer]``.
    """

    def __init__(self, device: str, problem: str, fix: str = "") -> None:
        self.device = device
        self.problem = problem
        self.fix = fix
        text = f"{device}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


def shipped_dir(name: str) -> Path:
    """A folder shipped with the kiosk (``sounds``, ``config``).

    In a checkout it sits beside the packages; an installed kiosk has it under
    ``<prefix>/share/kiosk/`` (setup.py's data_files).
    """
    beside = Path(__file__).resolve().parent.parent / name
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "kiosk" / name
