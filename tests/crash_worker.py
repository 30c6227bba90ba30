"""Issue tickets in a loop until killed; print each ticket once its issue has returned.

Run by tests/test_crash.py as ``python -m tests.crash_worker DB``.
"""

from __future__ import annotations

import sys
import uuid

from kiosk.clock import FakeClock
from kiosk.config import parse_config
from kiosk.commands import Issue
from kiosk.store import Store
from tests.conftest import at

CONFIG = parse_config(
    {
        "site": {"unit_name": {"vi": "Văn phòng thử"}},
        "services": [
            {
                "id": "a",
                "name": {"vi": "Dịch vụ A"},
                "numbering": {"start": 1, "end": 999999},
                "opening": {"days": ["tue"], "hours": [["07:00", "17:00"]]},
            }
        ],
        "counters": [{"number": 1, "services": ["a"]}],
    }
)


def main(path: str) -> None:
    print("opening", flush=True)  # imports done: the test may now kill while the store opens
    store = Store(path, CONFIG, FakeClock(at("2026-11-24 08:00")))
    print("ready", flush=True)
    while True:
        ticket_id = str(uuid.uuid4())
        events = store.execute(Issue("a", ticket_id))
        print(f"{ticket_id} {events[-1].data['number']}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
