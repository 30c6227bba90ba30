"""Unit tests of :class:`kiosk.app.Office`: its engine thread over a real store, every device a fake.

Each test runs in milliseconds: no process, no pygame, no simulated hardware.
The fakes record what the office asked of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from drivers.printer import PrinterState, PrinterStatus
from kiosk import commands as cmd
from kiosk.app import Office
from kiosk.clock import FakeClock
from kiosk.devices import Devices
from kiosk.printing import PressChecked
from kiosk.store import Store, StoredEvent
from tests.conftest import at, small_config


@dataclass
class FakePrintWorker:
    """Takes print jobs; ``status`` is the last status read (None: not asked yet).

    A press check is answered at once, on the engine thread, with ``fresh``
    (what reading the printer now says; ``status`` when not set).
    """

    status: PrinterStatus | None = None
    jobs: list[Any] = field(default_factory=list)
    fresh: PrinterStatus | None = None

    def submit(self, job: Any) -> None:
        self.jobs.append(job)

    def check_press(
        self, service_id: str, priority: bool, reply: Callable[[PressChecked], None], group: str | None = None
    ) -> None:
        status = self.fresh or self.status or PrinterStatus(PrinterState.OK, "ready")
        reply(PressChecked(service_id, priority, status, group))

    def stop(self) -> None:
        pass


@dataclass
class FakeAnnouncer:
    """Records what the loudspeaker was asked to say."""

    said: list[tuple[Any, ...]] = field(default_factory=list)
    asked: list[tuple[Any, ...]] = field(default_factory=list)  # what is not an announcement (tones, caches)

    def call(self, display: str, counter: int, name: str | None = None) -> None:
        self.said.append(("call", display, counter) + ((name,) if name else ()))

    def rating_prompt(self) -> None:
        self.said.append(("rating_prompt",))

    def rating_thanks(self) -> None:
        self.said.append(("rating_thanks",))

    def reason_prompt(self, reasons: dict[str, list[str]]) -> None:
        self.said.append(("reason_prompt", tuple(reasons["vi"])))

    def reason_thanks(self) -> None:
        self.said.append(("reason_thanks",))

    def results_ready(self, counter: int, *, name: str | None = None, number: str | None = None) -> None:
        self.said.append(("results_ready", counter, name, number))

    def prepare(self, name: str) -> None:
        self.asked.append(("prepare", name))

    def forget_names(self) -> None:
        self.asked.append(("forget_names",))

    def tone(self, kind: str) -> None:
        self.asked.append(("tone", kind))

    def close(self) -> None:
        pass


@dataclass
class FakeButtons:
    """Records the LEDs' states."""

    leds: dict[tuple[str, Any], str] = field(default_factory=dict)

    def set_service_led(self, service: str, state: str) -> None:
        self.leds[("service", service)] = state

    def set_rating_leds(self, counter: int, state: str) -> None:
        self.leds[("rating", counter)] = state

    def set_priority_led(self, state: str) -> None:
        self.leds[("priority", None)] = state


@dataclass
class Harness:
    office: Office
    printer: FakePrintWorker
    announcer: FakeAnnouncer
    buttons: FakeButtons
    stored: list[StoredEvent]

    def settle(self) -> None:
        """Wait until the engine thread has handled everything posted so far (the inbox is FIFO)."""
        self.office.submit(cmd.Tick())

    def counter(self, number: int) -> Any:
        return next(c for c in self.office.view().counters if c.number == number)


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    yield from start_harness(tmp_path, small_config())


def start_harness(tmp_path, config, clock: FakeClock | None = None) -> Iterator[Harness]:
    """An office on ``config`` with fake devices; stopped when the generator is closed."""
    clock = clock or FakeClock(at("2026-11-24 08:00"))
    printer, announcer, buttons = FakePrintWorker(PrinterStatus(PrinterState.OK, "ready")), FakeAnnouncer(), FakeButtons()
    stored: list[StoredEvent] = []
    devices = Devices(printer=printer, announcer=announcer, buttons=buttons)  # type: ignore[arg-type]
    config = config.model_copy(update={"store": config.store.model_copy(update={"path": str(tmp_path / "k.db")})})
    office = Office(config, lambda: Store(config.store.path, config, clock), clock, devices, on_events=stored.extend)
    office.start()
    yield Harness(office, printer, announcer, buttons, stored)
    office.stop()
