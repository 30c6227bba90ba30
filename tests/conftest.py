"""Shared fixtures: the demo office, a fake clock and stores in temporary folders."""

from __future__ import annotations

import os
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


def checkout_files(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """What the tests must never write in the checkout, by path: (size, mtime) of every file under
    ``var/`` (where ``kiosk run --simulate`` keeps the demo's credentials) and of every
    ``*credentials*.json`` elsewhere (dot-folders and caches left out)."""
    found: dict[str, tuple[int, int]] = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in ("__pycache__", "node_modules")]
        relative = Path(folder).relative_to(root)
        for name in files:
            path = relative / name
            if path.parts[0] == "var" or ("credentials" in name and name.endswith(".json")):
                try:
                    info = (Path(folder) / name).stat()
                except FileNotFoundError:
                    continue
                found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    """The test suite writes only under temporary folders: known test passwords must never end up in
    the checkout, where `kiosk run --simulate` would use them. Fails the session's last test otherwise."""
    before = checkout_files()
    yield
    after = checkout_files()
    written = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert not written, f"the tests wrote into the checkout (use tmp_path): {', '.join(written)}"
