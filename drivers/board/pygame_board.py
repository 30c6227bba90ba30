"""The shared pipeline of both board backends: a pygame surface, the redraw policy, PNG frames.

:class:`PygameBoard` draws the same frames with :mod:`drivers.board.render`
for both backends; they differ only in the last hop:

* ``real`` (:mod:`drivers.board.real`) opens a pygame window (full screen) and
  shows each change on the screen;
* ``simulated`` (:mod:`drivers.board.simulated`) uses SDL's dummy video driver
  (no screen) and writes PNG frames: on request with :meth:`PygameBoard.save_png`,
  and at every change when ``frames_dir`` is set.

pygame must run in the main thread: the app creates the board and calls every
method from its main thread; other threads never touch it.

Redraw policy: :meth:`PygameBoard.show` redraws the whole frame when the state
changed and does nothing otherwise; :meth:`PygameBoard.tick` redraws only the
clock (at most once a second, when the second changes) and, when the notice
line is too long for the screen, only that line, at most ``notice_fps`` times a
second.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pygame

from drivers.base import DeviceError
from drivers.board import render
from drivers.board.config import BoardConfig
from drivers.board.interface import Board
from drivers.board.layout import Layout, notices_scroll
from drivers.board.state import BoardState
from drivers.board.text import fonts


@dataclass
class RedrawCounts:
    """How often each part of the board was redrawn (for tests and diagnostics)."""

    full: int = 0
    clock: int = 0
    notices: int = 0


_open_board: list[PygameBoard] = []  # pygame has one display per process


class PygameBoard(Board):
    """All the work shared by both backends: a backend provides :meth:`_open_display` and
    :meth:`_present` (the last hop), and may add to :meth:`_after_full_redraw`."""

    device = "board"

    def __init__(self, config: BoardConfig) -> None:
        if _open_board:
            raise DeviceError(self.device, "a board is already open in this process",
                              "close it first: pygame has only one display")
        self.config = config
        self._thread = threading.get_ident()
        fonts()  # fail now, with a fix, if the font is missing
        self._surface = self._open_display()
        _open_board.append(self)
        self._state: BoardState | None = None
        self._layout: Layout | None = None
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
    def layout(self) -> Layout | None:
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
        return self.config.notice_fps > 0 and notices_scroll(self._layout, self._state)

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
