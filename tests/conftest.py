"""Shared fixtures: the demo office, a fake clock and stores in temporary folders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config, load_config, parse_config
from kiosk.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo.toml"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str, tz: ZoneInfo = HCM) -> datetime:
    """A local time in the office, e.g. ``at("2026-11-24 08:00")`` (a Tuesday)."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.fixture
def demo() -> Config:
    return load_config(DEMO)


def small_config(**changes: object) -> Config:
    """A small office: two services, three counters, opening 07:00-17:00 every day."""
    data: dict = {
        "site": {"unit_name": {"vi": "Văn phòng thử", "en": "Test office"}, "hotline": "0123"},
        "services": [
            {
                "id": "a",
                "name": {"vi": "Dịch vụ A"},
                "numbering": {"start": 1001, "end": 1999},
                "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": [["07:00", "17:00"]]},
                "expected_minutes": 10,
            },
            {
                "id": "b",
                "name": {"vi": "Dịch vụ B"},
                "numbering": {"prefix": "B", "start": 1, "end": 999, "width": 3},
                "opening": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": [["07:00", "17:00"]]},
                "expected_minutes": 6,
            },
        ],
        "counters": [
            {"number": 1, "services": ["a"], "rating_buttons": True},
            {"number": 2, "services": ["a", "b"], "rating_buttons": True},
            {"number": 3, "services": ["b"]},
        ],
    }
    for dotted, value in changes.items():
        target = data
        keys = dotted.split("__")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return parse_config(data)


@pytest.fixture
def small() -> Config:
    return small_config()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("2026-11-24 08:00"))


@pytest.fixture
def open_store(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[[Config], Store]]:
    """Open stores on one file in a temporary folder (reopen = restart); all closed afterwards."""
    opened: list[Store] = []

    def opener(config: Config) -> Store:
        store = Store(tmp_path / "kiosk.db", config, clock)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        if store._lock_fd is not None:
            store.close()
