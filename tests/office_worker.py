"""A busy office until killed, for tests/test_office_crash.py.

``python -m tests.office_worker OUT busy``: presses buttons and types on keypads
in a loop, printing each ticket number the board's queue shows.
``python -m tests.office_worker OUT observe``: starts, prints the office's view
as JSON, issues one more ticket, prints its number, stops.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.run import Process
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning
from tests.conftest import DEMO


def main(out: str, mode: str) -> int:
    config = simulated_config(load_config(DEMO), Path(out), web_port=0)
    pair_keypads(config)
    process = Process(config, None, ScaledClock(weekday_morning(config.site.tz, 9, 0)), simulate=True)
    process.start()
    office, sim = process.office, process.office.simulation

    def busy() -> None:
        rng = random.Random()
        seen: set[str] = set()
        while True:
            sim.press_service(rng.choice(["oto", "xemay", "vipham"]), priority=rng.random() < 0.1)
            sim.type_keys(rng.randint(1, 6), rng.choice(["E", "E", "+", "."]))
            for row in office.view().queue:
                if row.number not in seen:
                    seen.add(row.number)
                    print(row.number, flush=True)

    def observe() -> None:
        try:
            view = office.view()
            print(json.dumps({
                "counters": {c.number: [c.ticket, c.ticket_state, c.last_called, c.mode] for c in view.counters},
                "waiting": {s.id: s.waiting for s in view.services},
                "queue": [r.number for r in view.queue],
                "issued": view.figures.issued,
            }), flush=True)
            before = {r.number for r in view.queue}
            sim.press_service("vipham")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                new = [r.number for r in office.view().queue if r.number not in before]
                if new:
                    print(json.dumps({"new": new[0]}), flush=True)
                    break
                time.sleep(0.05)
        finally:
            process.stop_event.set()

    target = busy if mode == "busy" else observe
    threading.Thread(target=target, daemon=True).start()
    return process.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
