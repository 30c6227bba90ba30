"""Find a font that covers every Vietnamese letter.

Cheap thermal printers and pygame's built-in font cannot draw most Vietnamese
letters, so tickets and the board are drawn with DejaVu Sans, which covers them
all. It comes from Debian's ``fonts-dejavu-core`` package (installed by the
project's setup script and present on Raspberry Pi OS).
"""

from __future__ import annotations

from pathlib import Path

from drivers.base import DeviceError

_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)


def font_path(bold: bool = False) -> Path:
    """Return the path of DejaVu Sans (Bold when ``bold``).

    Raises :class:`DeviceError` naming the Debian package when it is missing.
    """
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise DeviceError(
        "font",
        f"{name} not found",
        "install it with: sudo apt-get install fonts-dejavu-core",
    )
