"""A fake office for the web tests: the contract of ``kiosk.app.Office`` over the real engine.

It runs commands through the real :class:`kiosk.engine.Engine` (so refusals are
the real DomainErrors and the view is the real :func:`kiosk.view.build_view`),
in memory, under a lock; it records every command it was given. The simulated
hardware only records what it was asked and draws simple images; a scanned
card names the next ticket as in the real office (:class:`kiosk.citizens.Citizens`).
"""

from __future__ import annotations

import io
import threading
import time
import uuid
import wave
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from drivers.fonts import font_path
from kiosk import commands as cmd
from kiosk.citizens import Citizens
from kiosk.config import Config
from kiosk.engine import Engine, run
from kiosk.personal import Person
from kiosk.simulation import PressOutcome
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
        self.citizens = Citizens(config.names)  # the pending scan, and the names kept (the personal table)
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
        notice = self.config.names.notice
        self._view = build_view(self.engine, self.now, self._version, banners=self.banners,
                                people=dict(self.citizens.people), greeting=self.citizens.greeting(),
                                privacy_notice=(notice.vi, notice.get("en")))
        self._changed.notify_all()

    def view(self) -> OfficeView:
        return self._view

    def wait_for_change(self, version: int, timeout: float) -> OfficeView:
        with self._changed:
            self._changed.wait_for(lambda: self._view.version > version, timeout)
            return self._view

    def issue(self, service: str, priority: bool = False, name: str | None = None, birth_date: str | None = None,
              group: str | None = None) -> str:
        """Issue a ticket straight through the engine (test setup), named when ``name``; returns its number."""
        ticket_id = str(uuid.uuid4())
        if name is not None:
            self.citizens.people[ticket_id] = Person(name, birth_date)
        events = self.submit(cmd.Issue(service, ticket_id, priority, group=group, named=name is not None))
        issued = [e for e in events if e.type == "ticket_issued"][-1]
        return self.engine.state.tickets[issued.data["ticket_id"]].display

    def scan(self, code: str) -> None:
        """A code read at the ticket machine: the board greets the card's holder, or notes why not (as the office)."""
        with self._changed:
            refused = self.citizens.scanned(code, time.monotonic())
            self.banners = tuple(b for b in self.banners if b.kind != "scan")
            if refused is not None:
                self.banners += (Banner("scan", refused.vi, refused.en),)
            self._publish()

    def press(self, service: str, priority: bool = False, group: str | None = None) -> str:
        """A service button: the ticket is named when a card was scanned just before."""
        person = self.citizens.take(time.monotonic())
        return self.issue(service, priority, person.name if person else None, person.birth_date if person else None,
                          group)

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

    def press_service(self, service_id: str, priority: bool = False, group: str | None = None) -> PressOutcome | None:
        self.calls.append(("press_service", service_id, priority, group))
        if not self.paper:
            return None  # as if the office did not answer
        self.ticket = self.office.press(service_id, priority, group)
        return PressOutcome(service_id, self.ticket)

    def press_rating(self, counter: int, level: int) -> None:
        self.calls.append(("press_rating", counter, level))
        try:
            self.office.submit(cmd.Rate(counter, level))
        except Exception:
            pass  # a press outside the rating window is ignored, as on the real buttons

    def type_keys(self, counter: int, keys: str) -> None:
        self.calls.append(("type_keys", counter, keys))

    def scan(self, code: str) -> None:
        self.calls.append(("scan", code))
        self.office.scan(code)

    def scan_at_counter(self, counter: int, code: str) -> None:
        """The scanner of ``counter`` ([[counter_scanners]]) reads ``code``: recorded, as the real one reads it."""
        if counter not in {entry.counter for entry in self.office.config.counter_scanners}:
            raise LookupError(f"counter {counter} has no scanner")
        self.calls.append(("scan_at_counter", counter, code))

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
