"""A fake office for the web tests: the contract of ``kiosk.app.Office`` over the real engine.

It runs commands through the real :class:`kiosk.engine.Engine` (so refusals are
the real DomainErrors and the view is the real :func:`kiosk.view.build_view`),
in memory, under a lock; it records every command it was given. The simulated
hardware only records what it was asked and draws simple images.
"""

from __future__ import annotations

import io
import threading
import uuid
import wave
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from drivers.fonts import font_path
from kiosk import commands as cmd
from kiosk.config import Config
from kiosk.engine import Engine, run
from kiosk.store import StoredEvent
from kiosk.view import Banner, OfficeView, build_view


class FakeOffice:
    """Implements :class:`kiosk.web.office.OfficeForPages` (tests/web/test_office_contract.py checks it)."""

    def __init__(self, config: Config, start: datetime, camera: Any = None, simulate: bool = False) -> None:
        self.config = config
        self.camera = camera
        self.now = start
        self.engine = Engine(config)
        self.commands: list[Any] = []
        self.banners: tuple[Banner, ...] = ()
        self.refuse_with: Exception | None = None  # set to make the next submit raise this
        self._seq = 0
        self._version = 0
        self._changed = threading.Condition()
        self._view = build_view(self.engine, self.now, 0)
        self.simulation = FakeSimulation(self) if simulate else None

    def submit(self, command: Any, timeout: float = 5.0) -> list[StoredEvent]:
        with self._changed:
            self.commands.append(command)
            if self.refuse_with is not None:
                error, self.refuse_with = self.refuse_with, None
                raise error
            self.now += timedelta(seconds=5)  # inside the 30 s rating window
            events = run(self.engine, command, self.now)  # DomainError propagates, as from the real office
            stored = []
            for event in events:
                self._seq += 1
                stored.append(StoredEvent(self._seq, str(uuid.uuid4()), event.type, event.data,
                                          self.now.isoformat(), self._seq, "boot", True))
            self._publish()
            return stored

    def _publish(self) -> None:
        self._version += 1
        self._view = build_view(self.engine, self.now, self._version, banners=self.banners)
        self._changed.notify_all()

    def view(self) -> OfficeView:
        return self._view

    def wait_for_change(self, version: int, timeout: float) -> OfficeView:
        with self._changed:
            self._changed.wait_for(lambda: self._view.version > version, timeout)
            return self._view

    def issue(self, service: str, priority: bool = False) -> str:
        """Issue a ticket straight through the engine (test setup); returns its number."""
        events = self.submit(cmd.Issue(service, str(uuid.uuid4()), priority))
        issued = [e for e in events if e.type == "ticket_issued"][-1]
        return self.engine.state.tickets[issued.data["ticket_id"]].display

    def last(self, kind: type) -> Any:
        """The last command of type ``kind`` submitted."""
        return [c for c in self.commands if isinstance(c, kind)][-1]


def _png(lines: list[str], size: tuple[int, int] = (384, 240)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(font_path(bold=True), 28)
    for i, line in enumerate(lines):
        draw.text((12, 12 + 40 * i), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class FakeSimulation:
    """Records what the sim API asked for; issues and rates through the office's engine."""

    def __init__(self, office: FakeOffice) -> None:
        self.office = office
        self.calls: list[tuple[Any, ...]] = []
        self.paper = True
        self.ticket: str | None = None

    def press_service(self, service_id: str, priority: bool = False) -> None:
        self.calls.append(("press_service", service_id, priority))
        if self.paper:
            self.ticket = self.office.issue(service_id, priority)

    def press_rating(self, counter: int, level: int) -> None:
        self.calls.append(("press_rating", counter, level))
        try:
            self.office.submit(cmd.Rate(counter, level))
        except Exception:
            pass  # a press outside the rating window is ignored, as on the real buttons

    def type_keys(self, counter: int, keys: str) -> None:
        self.calls.append(("type_keys", counter, keys))

    def set_paper(self, present: bool) -> None:
        self.calls.append(("set_paper", present))
        self.paper = present
        with self.office._changed:
            self.office.banners = () if present else (Banner("paper", "Máy in hết giấy", "Printer out of paper"),)
            self.office._publish()

    def last_ticket_png(self) -> bytes | None:
        return _png(["Số thứ tự", self.ticket]) if self.ticket else None

    def board_png(self) -> bytes:
        view = self.office.view()
        return _png(["Bảng hiển thị"] + [f"Quầy {c.number}: {c.last_called or '-'}" for c in view.counters[:4]],
                    (480, 240))

    def last_announcement_wav(self) -> bytes | None:
        if self.ticket is None:
            return None
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(b"\0\0" * 1600)
        return out.getvalue()
