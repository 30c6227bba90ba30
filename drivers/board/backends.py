"""The board device: its config, its interface and its two backends.

Both backends draw the same frames with :mod:`drivers.board.render` onto a
pygame surface; they differ only in the last hop:

* ``real`` opens a pygame window (full screen) and shows each change on the
  screen: KMSDRM on a Pi without a desktop (use the OS's ``python3-pygame``:
  pygame's PyPI wheels lack KMSDRM), X11 or Wayland on a desktop;
* ``simulated`` uses SDL's dummy video driver (no screen) and writes PNG frames:
  on request with :meth:`Board.save_png`, and at every change when
  ``frames_dir`` is set.

pygame must run in the main thread: the app creates the board and calls every
method from its main thread (see :func:`run`); other threads hand it states
through a queue.

Redraw policy: :meth:`Board.show` redraws the whole frame when the state
changed and does nothing otherwise; :meth:`Board.tick` redraws only the clock
(at most once a second, when the second changes) and, when the notice line is
too long for the screen, only that line, at most ``notice_fps`` times a second.
"""

from __future__ import annotations

import os
import queue
import threading
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drivers.base import Backend, DeviceError
from drivers.board import render
from drivers.board.state import BoardState

import pygame  # noqa: E402  (render set PYGAME_HIDE_SUPPORT_PROMPT first)

#: Size of a simulated board whose width and height are 0.
DEFAULT_SIZE = (1920, 1080)


class BoardConfig(BaseModel):
    """The ``[board]`` section of the office's configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Backend = Field(
        default="real",
        description="'real' draws on the screen (HDMI); 'simulated' draws without a screen and writes PNG files.",
    )
    width: int = Field(
        default=0, ge=0, le=7680,
        description="Width in pixels; 0 (with height 0) = the screen's size (real) or 1920x1080 (simulated).",
    )
    height: int = Field(
        default=0, ge=0, le=4320,
        description="Height in pixels; 0 (with width 0) = the screen's size (real) or 1920x1080 (simulated).",
    )
    fullscreen: bool = Field(
        default=True, description="Real backend: cover the whole screen (false: a window, for a desktop)."
    )
    show_english: bool = Field(
        default=True,
        description="Show English lines under the Vietnamese ones (when the app's board languages include 'en').",
    )
    notices: list[str] = Field(
        default_factory=list,
        description="Standing notices for the scrolling line at the bottom, shown before the app's own notices.",
    )
    notice_fps: int = Field(
        default=25, ge=0, le=60,
        description="Frames per second of the scrolling notice line; 0 = no scrolling (a long line is cut with '…').",
    )
    frames_dir: Path | None = Field(
        default=None,
        description="Simulated backend: write a PNG of every new board content here (board-000001.png, ...); "
        "also where save_png() without a path writes. Unset: frames only on request.",
    )
    video_driver: str = Field(
        default="",
        description="Real backend: SDL video driver, e.g. 'kmsdrm' on a Pi without a desktop, 'x11', 'wayland'; "
        "empty = SDL's own choice.",
    )

    @field_validator("notices")
    @classmethod
    def _nfc(cls, value: list[str]) -> list[str]:
        return [unicodedata.normalize("NFC", n) for n in value]

    @model_validator(mode="after")
    def _both_or_neither(self) -> BoardConfig:
        if (self.width == 0) != (self.height == 0):
            raise ValueError("set both width and height, or leave both 0 for the screen's size")
        if self.width and (self.width < 320 or self.height < 240):
            raise ValueError(f"{self.width}x{self.height} is too small for the board (at least 320x240)")
        return self


@dataclass
class RedrawCounts:
    """How often each part of the board was redrawn (for tests and diagnostics)."""

    full: int = 0
    clock: int = 0
    notices: int = 0


class Board(ABC):
    """A display board. Call every method from the thread that opened it (the main thread)."""

    @property
    @abstractmethod
    def size(self) -> tuple[int, int]:
        """The board's size in pixels (width, height)."""

    @abstractmethod
    def show(self, state: BoardState) -> None:
        """Show ``state``: redraw the whole board if it differs from the one shown."""

    @abstractmethod
    def tick(self, now: datetime) -> None:
        """Advance to ``now``: redraw the clock when the second changed, and scroll the notices."""

    @abstractmethod
    def save_png(self, path: str | Path | None = None) -> Path:
        """Write the current frame as a PNG and return its path."""

    @abstractmethod
    def close(self) -> None:
        """Close the window (or the off-screen display). The board is unusable afterwards."""

    @property
    def frame_interval(self) -> float:
        """Longest pause between two ticks that keeps the board smooth and the clock on time."""
        return 0.2

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_open_board: list[_PygameBoard] = []  # pygame has one display per process


class _PygameBoard(Board):
    """All the work shared by both backends: only :meth:`_present` differs."""

    device = "board"

    def __init__(self, config: BoardConfig) -> None:
        if _open_board:
            raise DeviceError(self.device, "a board is already open in this process",
                              "close it first: pygame has only one display")
        self.config = config
        self._thread = threading.get_ident()
        render.fonts()  # fail now, with a fix, if the font is missing
        self._surface = self._open_display()
        _open_board.append(self)
        self._state: BoardState | None = None
        self._layout: render.Layout | None = None
        self._now: datetime | None = None
        self._second: datetime | None = None
        self._notices_at: datetime | None = None
        self._frame_number = 0
        self._closed = False
        self.redraws = RedrawCounts()

    # -- what the backends provide ------------------------------------------

    @abstractmethod
    def _open_display(self) -> pygame.Surface:
        """Open the display and return the surface to draw on."""

    @abstractmethod
    def _present(self, rects: list[pygame.Rect]) -> None:
        """Show the changed ``rects`` of the surface (the last hop)."""

    def _after_full_redraw(self) -> None:
        """Hook run after a whole new frame was drawn."""

    # -- the interface ----------------------------------------------------------

    @property
    def size(self) -> tuple[int, int]:
        return self._surface.get_size()

    @property
    def surface(self) -> pygame.Surface:
        """The surface the board draws on (read it, do not draw on it)."""
        return self._surface

    @property
    def layout(self) -> render.Layout | None:
        """Where each part of the last full frame is (None before the first show)."""
        return self._layout

    @property
    def frame_interval(self) -> float:
        """Seconds between two ticks that keeps the notice line smooth (and the clock on time)."""
        return 1 / self.config.notice_fps if self.config.notice_fps else 0.2

    def show(self, state: BoardState) -> None:
        self._check()
        if not isinstance(state, BoardState):
            raise TypeError(f"show() needs a BoardState, not {type(state).__name__}")
        state = self._effective(state)
        if state == self._state:
            return
        self._state = state
        if self._now is None:
            # Before the first tick there is no time yet: read the clock once.
            self._now = datetime.now()
        self._redraw_all()
        self._after_full_redraw()

    def tick(self, now: datetime) -> None:
        self._check()
        self._pump()
        self._now = now
        if self._state is None or self._layout is None:
            return
        changed: list[pygame.Rect] = []
        second = now.replace(microsecond=0)
        if second != self._second:
            self._second = second
            changed.append(render.draw_clock(self._surface, self._layout, self._state, now))
            self.redraws.clock += 1
        if self._notices_animate() and self._notices_due(now):
            self._notices_at = now
            changed.append(render.draw_notices(self._surface, self._layout, self._state, now))
            self.redraws.notices += 1
        if changed:
            self._present(changed)

    def save_png(self, path: str | Path | None = None) -> Path:
        self._check()
        if path is None:
            if self.config.frames_dir is None:
                raise ValueError("save_png() needs a path when [board] frames_dir is not set")
            path = self._next_frame_path()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self._surface, str(path))
        return path

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self in _open_board:
            _open_board.remove(self)
        pygame.display.quit()

    # -- helpers ------------------------------------------------------------------

    def _check(self) -> None:
        if self._closed:
            raise RuntimeError("board: it is closed")
        if threading.get_ident() != self._thread:
            raise RuntimeError("board: pygame must be driven from the thread that opened the board (the main thread)")

    def _effective(self, state: BoardState) -> BoardState:
        """Apply the board's own settings: English on/off and the standing notices."""
        languages = state.languages if self.config.show_english else tuple(l for l in state.languages if l != "en")
        notices = tuple(dict.fromkeys([*self.config.notices, *state.notices]))  # keep order, drop repeats
        return replace(state, languages=languages, notices=notices)

    def _redraw_all(self) -> None:
        assert self._state is not None and self._now is not None
        self._layout = render.draw(self._surface, self._state, self._now)
        if not self._notices_animate():
            # Without animation a long notice line is cut, not frozen mid-scroll.
            render.draw_notices(self._surface, self._layout, self._state, self._now, animate=False)
        self._second = self._now.replace(microsecond=0)
        self._notices_at = self._now
        self.redraws.full += 1
        self._present([self._surface.get_rect()])

    def _notices_animate(self) -> bool:
        assert self._state is not None and self._layout is not None
        return self.config.notice_fps > 0 and render.notices_scroll(self._layout, self._state)

    def _notices_due(self, now: datetime) -> bool:
        if self._notices_at is None:
            return True
        elapsed = (now - self._notices_at).total_seconds()
        # A clock that jumped back redraws at once rather than freezing the line.
        return elapsed < 0 or elapsed >= 1 / self.config.notice_fps

    def _next_frame_path(self) -> Path:
        assert self.config.frames_dir is not None
        self._frame_number += 1
        return self.config.frames_dir / f"board-{self._frame_number:06d}.png"

    def _pump(self) -> None:
        """Let SDL handle window events (a window that is not pumped looks hung)."""
        pygame.event.pump()


class RealBoard(_PygameBoard):
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


class SimulatedBoard(_PygameBoard):
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


def open_board(config: BoardConfig) -> Board:
    """Open the board chosen by ``config.backend`` (call from the main thread)."""
    if config.backend == "real":
        return RealBoard(config)
    if config.backend == "simulated":
        return SimulatedBoard(config)
    raise DeviceError("board", f"unknown backend {config.backend!r}", "use 'real' or 'simulated' in [board]")


def run(
    board: Board,
    states: queue.Queue[BoardState],
    stop: threading.Event,
    clock: Callable[[], datetime] = datetime.now,
    interval: float | None = None,
) -> None:
    """Drive ``board`` from the main thread until ``stop`` is set.

    Other threads put new :class:`BoardState` objects on ``states``; only the
    newest waiting one is shown. ``interval`` is the longest wait between two
    ticks (default: the board's ``frame_interval``).
    """
    if interval is None:
        interval = board.frame_interval
    while not stop.is_set():
        newest: BoardState | None = None
        try:
            newest = states.get(timeout=interval)
            while True:
                newest = states.get_nowait()
        except queue.Empty:
            pass
        board.tick(clock())  # first, so that a new state is drawn with the current time
        if newest is not None:
            board.show(newest)
