"""The display board: latest calls, waiting counts, clock, notices and banners.

The app builds a :class:`BoardState` and passes it to :meth:`Board.show` from
its main thread (pygame must run there), and calls :meth:`Board.tick` with the
time a few times a second (or lets :func:`run` do both). :func:`draw` draws one
frame on any pygame surface. See docs/board.md.
"""

from drivers.board.backends import (
    Board,
    BoardConfig,
    RealBoard,
    RedrawCounts,
    SimulatedBoard,
    open_board,
    run,
)
from drivers.board.render import HIGHLIGHT, Layout, compute_layout, draw
from drivers.board.state import Banner, BoardState, CounterCall, ServiceQueue

__all__ = [
    "Banner",
    "Board",
    "BoardConfig",
    "BoardState",
    "CounterCall",
    "HIGHLIGHT",
    "Layout",
    "RealBoard",
    "RedrawCounts",
    "ServiceQueue",
    "SimulatedBoard",
    "compute_layout",
    "draw",
    "open_board",
    "run",
]
