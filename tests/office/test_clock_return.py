"""An office whose clock ran ahead returns to the real day by itself once NTP has synchronised the clock."""

from __future__ import annotations

import time

from drivers.printer import PrinterState, PrinterStatus
from kiosk import commands as cmd
from kiosk.app import Office
from kiosk.clock import FakeClock
from kiosk.devices import Devices
from kiosk.store import Store, StoredEvent
from tests.conftest import at, small_config
from tests.office.conftest import FakePrintWorker


def test_the_idle_office_returns_to_the_real_day_once_the_clock_is_synchronised(tmp_path):
    config = small_config()
    clock = FakeClock(at("2027-11-24 09:00"), synced=False)  # booted with a clock a year ahead, no network
    stored: list[StoredEvent] = []
    printer = FakePrintWorker(PrinterStatus(PrinterState.OK, "ready"))
    office = Office(config, lambda: Store(tmp_path / "k.db", config, clock), clock, Devices(printer=printer),  # type: ignore[arg-type]
                    on_events=stored.extend)
    office.start()
    try:
        office.submit(cmd.Issue("a", "t1"))
        assert office.view().day == "2027-11-24"
        clock.set(at("2026-11-24 09:05"))  # put right by hand: still not synchronised
        time.sleep(1.2)  # the engine thread's idle checks run every 0.5 s
        office.submit(cmd.Tick())
        assert office.view().day == "2027-11-24"
        clock.is_synced = True  # NTP answers; nothing else happens in the office
        deadline = time.monotonic() + 5
        while office.view().day != "2026-11-24" and time.monotonic() < deadline:
            time.sleep(0.05)
        view = office.view()
        assert view.day == "2026-11-24"
        assert view.queue == () and view.figures.issued == 0  # the future day's ticket expired
        returned = [e for e in stored if e.type == "day_returned"]
        assert [(e.data["day"], e.data["from_day"], e.clock_synced) for e in returned] == [
            ("2026-11-24", "2027-11-24", True)
        ]
        assert office.submit(cmd.Issue("a", "t2"))[-1].data["display"] == "1001"
    finally:
        office.stop()
