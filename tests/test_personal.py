"""Citizens' names in the office store: kept apart from the events, deleted when their purpose ends.

The bytes of the SQLite file and its WAL are searched, not only the tables:
deleted rows must not survive in free pages or old WAL frames.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kiosk import commands as cmd
from kiosk.personal import Person
from kiosk.store import Store
from tests.test_results import results_config

NAMES = ["Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt"]


def file_bytes(tmp_path: Path) -> bytes:
    """The store file, its WAL and its shared memory, as stored on disk."""
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("kiosk.db*")) if p.is_file())


def found(data: bytes, name: str) -> bool:
    return name.encode("utf-8") in data or name.split()[-1].encode("utf-8") in data


@pytest.fixture
def store(open_store) -> Store:
    return open_store(results_config())


def issue_named(store: Store, name: str, service: str = "a", ticket_id: str | None = None) -> str:
    ticket_id = ticket_id or str(uuid.uuid4())
    store.execute(cmd.Issue(service, ticket_id, named=True), person=Person(name, "1990-01-01"))
    return ticket_id


def test_a_named_ticket_keeps_the_name_apart_from_its_event(store):
    ticket_id = issue_named(store, NAMES[0])
    assert store.people()[ticket_id].name == NAMES[0]
    issued = [e for e in store.events() if e.type == "ticket_issued"][0]
    assert issued.data["named"] is True
    assert NAMES[0] not in repr(issued) and "Hường" not in str(issued.data)
    assert store.engine.state.tickets[ticket_id].named


def test_a_person_shows_no_name_in_its_repr():
    assert "Hường" not in repr(Person(NAMES[0], "1990-01-01")) and "1990" not in repr(Person(NAMES[0], "1990-01-01"))


def test_a_refused_press_keeps_no_name(store, clock):
    clock.advance(hours=12)  # 20:00: closed
    with pytest.raises(Exception):
        issue_named(store, NAMES[1])
    assert store.people() == {}


def test_the_change_of_day_deletes_the_names_and_leaves_no_trace_in_the_file(store, clock, tmp_path):
    for name in NAMES:
        issue_named(store, name, service="b")  # not results_later
    store.checkpoint()
    assert all(found(file_bytes(tmp_path), n) for n in NAMES)  # the check below can find them
    clock.advance(days=1)
    store.execute(cmd.Tick())
    assert store.people() == {}
    data = file_bytes(tmp_path)
    assert not any(found(data, n) for n in NAMES)


def test_a_result_awaited_keeps_its_name_until_it_is_handed_over(store, clock, tmp_path):
    ticket_id = issue_named(store, NAMES[2])
    store.execute(cmd.CallNext(1))
    display = store.engine.ticket_at(1).display
    store.execute(cmd.Complete(1))
    clock.advance(days=2)
    store.execute(cmd.Tick())
    assert store.people()[ticket_id].name == NAMES[2]  # the citizen will be called by name
    store.execute(cmd.ResultsReady(1, display))
    store.execute(cmd.Complete(1))  # handed over
    assert store.people() == {}
    store.checkpoint()
    assert not found(file_bytes(tmp_path), NAMES[2])


def test_an_uncollected_result_loses_its_name_when_it_expires(store, clock):
    issue_named(store, NAMES[3])
    store.execute(cmd.CallNext(1))
    store.execute(cmd.Complete(1))
    clock.advance(days=8)
    store.execute(cmd.Tick())
    assert store.people() == {}


def test_the_names_survive_a_restart_within_the_day(open_store, store):
    ticket_id = issue_named(store, NAMES[0])
    store.close()
    again = open_store(results_config())
    assert again.people()[ticket_id].name == NAMES[0]

