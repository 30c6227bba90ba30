"""The board's interface: what the app may call on a display board, whatever the backend.

Light at runtime (no pygame): the app names :class:`Board` without loading a
backend; :func:`drivers.board.open_board` makes one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from pathlib import Path

from drivers.board.state import BoardState


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
