"""The display board: latest calls, waiting counts, clock, notices and banners.

The app builds a :class:`BoardState` and passes it to :meth:`Board.show` from
its main thread (pygame must run there), and calls :meth:`Board.tick` with the
time a few times a second. See docs/board.md.

=================  ===========================================================
``config``         the ``[board]`` section (pydantic only)
``state``          what the board shows: BoardState, CounterCall, ServiceQueue, Banner
``interface``      :class:`Board`: what the app may call on a board
``pygame_board``   the pipeline both backends share: surface, redraw policy, PNGs
``real``           the real backend: the TV on HDMI through pygame's display
``simulated``      the simulated backend: SDL's dummy driver, PNG frames
``layout``         where each part of the board goes, for any screen size
``text``           fonts, the text cache, fitting text into boxes
``render``         the colours and the drawing of a frame, the clock, the notices
``__main__``       ``python -m drivers.board``: a sample board on the screen or as a PNG
=================  ===========================================================

Importing this package loads no pygame: :func:`open_board` imports the backend it needs.
"""

from __future__ import annotations

import os

from drivers.base import DeviceError
from drivers.board.config import BoardConfig
from drivers.board.interface import Board
from drivers.board.state import Banner, BoardState, CounterCall, ServiceQueue

__all__ = [
    "Banner",
    "Board",
    "BoardConfig",
    "BoardState",
    "CounterCall",
    "ServiceQueue",
    "open_board",
]


def open_board(config: BoardConfig) -> Board:
    """Open the board chosen by ``config.backend`` (call from the main thread).

    Raises :class:`~drivers.base.DeviceError` when there is no screen (real) or
    the font is missing, with the fix in the message.
    """
    # pygame greets on stdout when it is first imported unless this is set; the
    # backends import it, so it is set here, before them.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if config.backend == "real":
        from drivers.board.real import RealBoard

        return RealBoard(config)
    if config.backend == "simulated":
        from drivers.board.simulated import SimulatedBoard

        return SimulatedBoard(config)
    raise DeviceError("board", f"unknown backend {config.backend!r}", "use 'real' or 'simulated' in [board]")
