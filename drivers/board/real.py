"""The real board: the office's TV on HDMI, through pygame's display.

KMSDRM on a Pi without a desktop (use the OS's ``python3-pygame``: pygame's
PyPI wheels lack KMSDRM), X11 or Wayland on a desktop. It never falls back to
drawing on no screen: SDL's ``dummy``/``offscreen`` drivers are refused with a
:class:`~drivers.base.DeviceError` that says how to fix it.
"""

from __future__ import annotations

import os
import threading

import pygame

from drivers.base import DeviceError
from drivers.board.pygame_board import PygameBoard


class RealBoard(PygameBoard):
    """The board on a real screen (HDMI) through pygame's display."""

    def _open_display(self) -> pygame.Surface:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("board: pygame must run in the main thread; open the board there")
        if self.config.video_driver:
            os.environ["SDL_VIDEODRIVER"] = self.config.video_driver
        driver_hint = os.environ.get("SDL_VIDEODRIVER", "")
        if driver_hint in ("dummy", "offscreen"):
            raise DeviceError(self.device, f"SDL_VIDEODRIVER={driver_hint} draws on no screen",
                              "unset SDL_VIDEODRIVER, or set [board] backend = \"simulated\" to run without a screen")
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise DeviceError(self.device, f"no display: {exc}", self._display_fix(str(exc))) from None
        if pygame.display.get_driver() in ("dummy", "offscreen"):
            # SDL falls back to a screenless driver when it finds no screen: never do so silently.
            driver = pygame.display.get_driver()
            pygame.display.quit()
            raise DeviceError(self.device, f"no display: SDL found no screen and chose its {driver} driver",
                              self._display_fix(""))
        try:
            flags = pygame.FULLSCREEN if self.config.fullscreen else 0
            if self.config.width:
                size = (self.config.width, self.config.height)
            elif self.config.fullscreen:
                size = (0, 0)  # SDL picks the screen's own mode
            else:
                size = pygame.display.get_desktop_sizes()[0]
            surface = pygame.display.set_mode(size, flags)
        except pygame.error as exc:
            pygame.display.quit()
            raise DeviceError(self.device, f"cannot open the screen: {exc}", self._display_fix(str(exc))) from None
        pygame.display.set_caption("Bảng hiển thị số thứ tự")
        if self.config.fullscreen:
            pygame.mouse.set_visible(False)  # a kiosk shows no pointer
        return surface

    @staticmethod
    def _display_fix(error: str) -> str:
        if "kmsdrm" in error.lower():
            return ("is the HDMI cable plugged in and the screen on? On the Pi use the OS's python3-pygame "
                    "(pygame from PyPI has no KMSDRM): sudo apt-get install python3-pygame, venv with "
                    "--system-site-packages")
        return ("is the HDMI cable plugged in and the screen on? On a Pi without a desktop set "
                "[board] video_driver = \"kmsdrm\" (or SDL_VIDEODRIVER=kmsdrm); on a desktop run inside the "
                "desktop session (DISPLAY or WAYLAND_DISPLAY set)")

    def _present(self, rects: list[pygame.Rect]) -> None:
        pygame.display.update(rects)
