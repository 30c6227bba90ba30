"""The operations room's live feed: one hub per server process, pushing to every open ``/ops/stream``.

The hub's thread, every :data:`TICK_S` while this process has viewers:
evaluates the alert rules (``central.ops.alerts``: raising and clearing is safe
with several processes on one database), reads the alert list (so alerts raised
by another process, or by ingest for a rating, reach this process's viewers
too), and every :data:`SNAPSHOT_S` reads the wall of every unit once
(``central.ops.tiles``). Each viewer gets the part of it their role may see: a
unit leader only their unit's tiles and alerts. With no viewer it only
evaluates the alerts, every :data:`IDLE_TICK_S`: alerts are kept for when
someone looks, and a server busy with ingest spends nothing on walls nobody
watches.

Messages are server-sent events (``text/event-stream``):

- ``tiles``: ``{"at": "08:15:02", "tiles": [...]}`` every :data:`SNAPSHOT_S`;
- ``alerts``: the whole list (newest first) when it changes, with each
  snapshot, and on connecting;
- ``alert``: one alert just raised (the page flashes it).

The browser's ``EventSource`` reconnects by itself (``retry``); a reconnected
viewer gets the current tiles and alerts at once. Each stream ends after
:data:`STREAM_S` (the browser reconnects within a second, and its session is
checked again). A slow viewer's queue is
bounded: it misses snapshots rather than holding memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from central import core, figures
from central.db import reader
from central.ops import alerts, tiles
from central.settings import Ops

log = logging.getLogger(__name__)
#: Seconds between alert evaluations (an alert reaches the page within about two of these after its cause).
TICK_S = 1.0
#: Seconds between alert evaluations while nobody watches from this process.
IDLE_TICK_S = 10.0
#: Seconds between tile snapshots.
SNAPSHOT_S = 2.0
#: Messages a viewer may have waiting before snapshots are dropped for it.
QUEUE_SIZE = 20
#: What EventSource waits before reconnecting (milliseconds).
RETRY_MS = 500
#: A stream ends after this long and the browser reconnects at once: the session is checked again (a
#: signed-out viewer stops receiving), and a server stopping never waits long for its open streams.
STREAM_S = 60.0


def sse(event: str, data: Any) -> str:
    """One server-sent event (the JSON fits one ``data:`` line: JSON text has no raw newline)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@dataclass(eq=False)
class Viewer:
    """One open stream: the units it may see (None: all) and its queue in its event loop."""

    sites: set[int] | None
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def sees(self, site_id: int) -> bool:
        return self.sites is None or site_id in self.sites

    def tiles(self, wall: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [t for t in wall if self.sees(t["site_id"])]

    def alerts(self, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [a for a in listed if self.sees(a["site_id"])]


class Hub:
    """The per-process evaluator and broadcaster (see the module docstring)."""

    def __init__(self, engine: Engine, ops: Ops, tick_s: float = TICK_S, snapshot_s: float = SNAPSHOT_S,
                 idle_s: float = IDLE_TICK_S) -> None:
        self.engine = engine
        self.read = reader(engine)
        self.ops = ops
        self.tick_s = tick_s
        self.snapshot_s = snapshot_s
        self.idle_s = idle_s
        self.wall: list[dict[str, Any]] = []
        self.at = ""
        self.alerts: list[dict[str, Any]] = []
        self._listed = False
        self._failing = False
        self._viewers: set[Viewer] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the thread --

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="ops-hub", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        next_snapshot = next_idle = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            watched = bool(self.viewers())
            if not watched:
                self.wall, self.at = [], ""  # no stale wall for the next viewer, and its memory freed
            if not watched and started < next_idle:
                self._stop.wait(min(self.tick_s, next_idle - started))
                continue
            next_idle = started + self.idle_s
            try:
                self.step(snapshot=watched and started >= next_snapshot)
                if self._failing:
                    log.warning("operations room: evaluating again")
                self._failing = False
            except Exception:  # noqa: BLE001 — the database may be away for a while: keep trying
                if not self._failing:  # once per outage, not every second
                    log.exception("operations room: evaluation failed; trying again every %g s", self.tick_s)
                self._failing = True
            if watched and started >= next_snapshot:
                next_snapshot = started + self.snapshot_s
            self._stop.wait(max(0.0, self.tick_s - (time.monotonic() - started)))

    def step(self, snapshot: bool = True) -> None:
        """Evaluate the alerts, then publish what changed (and the tiles when ``snapshot``)."""
        now = core.now_us()
        alerts.evaluate(self.engine, now, self.ops)
        with self.read.connect() as conn:
            listed = alerts.recent(conn, None, now)
            wall = tiles.wall(conn, figures.all_sites(conn), now, self.ops.unattended_minutes) if snapshot else None
        known = {a["id"] for a in self.alerts}
        # Newly raised: open, and not in the previous list (none on the first pass: those are not news).
        raised = [a for a in listed if a["open"] and a["id"] not in known] if self._listed else []
        changed = [(a["id"], a["open"]) for a in listed] != [(a["id"], a["open"]) for a in self.alerts]
        self.alerts, self._listed = listed, True
        if wall is not None:
            self.wall = wall
            self.at = datetime.fromtimestamp(now / 1e6, ZoneInfo(figures.DEFAULT_TZ)).strftime("%H:%M:%S")
        for viewer in self.viewers():
            for a in viewer.alerts(raised):
                self._send(viewer, sse("alert", a))
            if changed or wall is not None:  # with every snapshot too: a viewer that missed a message catches up
                self._send(viewer, sse("alerts", viewer.alerts(listed)))
            if wall is not None:
                self._send(viewer, sse("tiles", {"at": self.at, "tiles": viewer.tiles(wall)}))

    # -- viewers --

    def viewers(self) -> list[Viewer]:
        with self._lock:
            return list(self._viewers)

    def _send(self, viewer: Viewer, message: str) -> None:
        def put() -> None:
            try:
                viewer.queue.put_nowait(message)
            except asyncio.QueueFull:
                pass  # a viewer that does not read misses messages; the next snapshot is whole

        try:
            viewer.loop.call_soon_threadsafe(put)
        except RuntimeError:  # its event loop has closed
            self.leave(viewer)

    def join(self, sites: set[int] | None) -> Viewer:
        """A new viewer (call from its event loop) with the current tiles and alerts queued."""
        viewer = Viewer(sites, asyncio.get_running_loop())
        viewer.queue.put_nowait(f"retry: {RETRY_MS}\n\n")
        viewer.queue.put_nowait(sse("alerts", viewer.alerts(self.alerts)))
        if self.at:
            viewer.queue.put_nowait(sse("tiles", {"at": self.at, "tiles": viewer.tiles(self.wall)}))
        with self._lock:
            self._viewers.add(viewer)
        return viewer

    def leave(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    async def stream(self, sites: set[int] | None, max_s: float | None = None) -> AsyncIterator[str]:
        """The server-sent events of one viewer, until the connection ends or ``max_s`` (:data:`STREAM_S`) have passed."""
        viewer = self.join(sites)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (STREAM_S if max_s is None else max_s)
        try:
            while (left := deadline - loop.time()) > 0:
                try:
                    yield await asyncio.wait_for(viewer.queue.get(), left)
                except asyncio.TimeoutError:
                    break
        finally:
            self.leave(viewer)
