"""The simulated board: the same frames as the real one, drawn on no screen and saved as PNG files.

SDL's dummy video driver stands in for the screen, so nothing can appear on
the office's TV by mistake; with ``[board] frames_dir`` set, every new content
is written there as ``board-000001.png``, ``board-000002.png``, ...
"""

from __future__ import annotations

import os

import pygame

from drivers.base import DeviceError
from drivers.board.pygame_board import PygameBoard

#: Size of a simulated board whose width and height are 0.
DEFAULT_SIZE = (1920, 1080)


class SimulatedBoard(PygameBoard):
    """The board without a screen: SDL's dummy video driver, frames saved as PNG files."""

    def _open_display(self) -> pygame.Surface:
        if pygame.display.get_init() and pygame.display.get_driver() != "dummy":
            raise DeviceError(self.device, f"pygame's display is already open with {pygame.display.get_driver()}",
                              "close the other display first")
        # The dummy driver has no screen: nothing can appear on the office's TV by mistake.
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        pygame.display.init()
        size = (self.config.width, self.config.height) if self.config.width else DEFAULT_SIZE
        return pygame.display.set_mode(size)

    def _present(self, rects: list[pygame.Rect]) -> None:
        # The last hop of the real backend; under the dummy driver it shows nothing.
        pygame.display.update(rects)

    def _after_full_redraw(self) -> None:
        if self.config.frames_dir is not None:
            self.save_png()
