"""The durable store: one transaction per command, restarts, locking, migrations."""

from __future__ import annotations

import uuid

import pytest
import sqlite_utils

from kiosk import commands as cmd
from kiosk import schema, store as store_module
from kiosk.errors import DomainError
from kiosk.store import Store, StoreBusy, replay
from tests.conftest import at


def issue(store: Store, service: str = "a", priority: bool = False) -> str:
    return store.execute(cmd.Issue(service, str(uuid.uuid4()), priority))[-1].data["display"]


def test_file_is_durable_wal_with_full_sync(open_store, small):
    store = open_store(small)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == store_module.BUSY_TIMEOUT_MS


def test_events_carry_device_time_metadata(open_store, small, clock):
    clock.is_synced = False
    store = open_store(small)
    issue(store)
    events = list(store.events())
    assert [e.type for e in events] == ["day_started", "ticket_issued"]
    assert [e.seq for e in events] == [1, 2]
    for event in events:
        uuid.UUID(event.uuid)
        assert event.wall_time == "2026-11-24T08:00:00+07:00"
        assert event.boot_id == "boot-1"
        assert event.clock_synced is False
    assert events[0].mono_ns < events[1].mono_ns


def test_restart_continues_numbers_and_state(open_store, small):
    store = open_store(small)
    assert [issue(store), issue(store), issue(store, "b")] == ["1001", "1002", "B001"]
    store.execute(cmd.SignIn(1, "42"))
    store.execute(cmd.CallNext(1))
    store.close()
    again = open_store(small)
    assert issue(again) == "1003"
    assert again.engine.ticket_at(1).display == "1001"
    assert again.engine.state.counters[1].officer == "42"
    assert [e.seq for e in again.events()] == list(range(1, 8))


def test_a_failure_mid_command_rolls_back_store_and_memory(open_store, small, monkeypatch):
    store = open_store(small)
    issue(store)
    real = store_module.project
    calls = {"n": 0}

    def failing(db, engine, event):
        calls["n"] += 1
        if calls["n"] == 2:  # the second event of the command: the rating window
            raise OSError("disk full")
        real(db, engine, event)

    store.execute(cmd.CallNext(1))
    before_state = repr(store.engine.state)
    before_events = len(list(store.events()))
    monkeypatch.setattr(store_module, "project", failing)
    with pytest.raises(OSError):
        store.execute(cmd.Complete(1))  # ticket_completed + rating_window_opened
    monkeypatch.setattr(store_module, "project", real)
    assert len(list(store.events())) == before_events
    assert repr(store.engine.state) == before_state
    assert store.db["tickets"].get(store.engine.ticket_at(1).id)["state"] == "called"
    # And the store goes on with no gap.
    store.execute(cmd.Complete(1))
    seqs = [e.seq for e in store.events()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_refused_command_still_rolls_the_day(open_store, small, clock):
    store = open_store(small)
    issue(store)
    clock.set(at("2026-11-25 03:00"))  # next day, before opening
    with pytest.raises(DomainError) as info:
        issue(store)
    assert info.value.code == "not_open_yet"
    types = [e.type for e in store.events()]
    assert types[-3:] == ["ticket_expired", "day_closed", "day_started"]
    assert store.engine.state.day == "2026-11-25"


def test_second_writer_is_refused(open_store, small, tmp_path, clock):
    open_store(small)
    with pytest.raises(StoreBusy, match="in use by another kiosk process"):
        Store(tmp_path / "kiosk.db", small, clock)


def test_projections_equal_replay_after_a_busy_day(open_store, small, clock):
    store = open_store(small)
    for i in range(20):
        issue(store, "a" if i % 3 else "b", priority=i % 7 == 0)
    store.execute(cmd.SignIn(2, "9"))
    for _ in range(6):
        for counter in (1, 2, 3):
            try:
                store.execute(cmd.CallNext(counter))
                clock.advance(minutes=3)
                store.execute(cmd.Complete(counter))
                store.execute(cmd.Rate(counter, 1 + counter % 4))
            except DomainError:
                pass
    clock.advance(days=1)
    store.execute(cmd.Tick())
    rebuilt = replay(small, list(store.events()))
    for table in ("tickets", "counters", "services", "ratings", "results"):
        assert list(store.db[table].rows) == list(rebuilt[table].rows), table
    assert store.db["ratings"].count > 0
    assert {r["state"] for r in store.db["tickets"].rows} <= {"completed", "expired"}


def test_migrates_an_old_store_and_keeps_its_data(tmp_path, small, clock):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    schema.migrate(db, target=1)
    db.close()
    # A store at schema 1 (before sync bookkeeping) with a day of data.
    store = Store(path, small, clock)
    assert schema.version(store.db) == schema.VERSION == 5
    issue(store)
    assert "acked" in store.db["events"].columns_dict
    store.close()


def test_v1_store_with_data_gets_the_ack_column(tmp_path, small, clock):
    path = tmp_path / "v1.db"
    db = sqlite_utils.Database(path)
    schema.migrate(db, target=1)
    db["events"].insert(
        {"seq": 1, "uuid": "u1", "type": "day_started", "payload": '{"day": "2026-11-24", "at": "x"}',
         "wall_time": "x", "mono_ns": 1, "boot_id": "b", "clock_synced": 1}
    )
    db["meta"].insert({"key": "day", "value": "2026-11-24"})
    db.close()
    store = Store(path, small, clock)
    assert store.db.execute("SELECT seq, acked FROM events").fetchall() == [(1, 0)]
    assert store.engine.state.day == "2026-11-24"
    assert [e.seq for e in store.events()] == [1]
    issue(store)
    assert [e.seq for e in store.events()] == [1, 2]
    store.close()


def test_v4_store_keeps_its_ratings_and_gains_counted_levels_reasons_and_dossiers(tmp_path, small, clock):
    path = tmp_path / "v4.db"
    db = sqlite_utils.Database(path)
    schema.migrate(db, target=4)
    db["meta"].insert({"key": "day", "value": "2026-11-24"})
    db["ratings"].insert({"ticket_id": "old", "day": "2026-11-24", "service": "a", "counter": 1, "officer": "7",
                          "level": 4, "at": "2026-11-24T01:00:00+00:00"})
    db.close()
    store = Store(path, small, clock)
    assert schema.version(store.db) == 5
    assert {"counted", "reason"} <= set(store.db["ratings"].columns_dict)
    assert "dossier" in store.db["tickets"].columns_dict and "reason_until" in store.db["counters"].columns_dict
    (old,) = store.engine.state.ratings.values()
    assert (old.level, old.counted, old.reason) == (4, None, None)  # counted as the config counts it now
    store.close()


def test_store_from_a_newer_kiosk_is_refused(tmp_path, small, clock):
    path = tmp_path / "new.db"
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(schema.SchemaError, match="newer kiosk"):
        Store(path, small, clock)


def test_store_is_owned_by_one_thread(open_store, small):
    import threading

    store = open_store(small)
    errors = []

    def other():
        try:
            issue(store)
        except Exception as exc:  # sqlite3.ProgrammingError
            errors.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors and "thread" in str(errors[0])


def test_idle_checkpoint_moves_the_wal_into_the_file(open_store, small):
    store = open_store(small)
    for _ in range(20):
        issue(store)
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == store_module.WAL_AUTOCHECKPOINT_PAGES
    store.checkpoint()
    busy, frames, copied = store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert (busy, frames) != (1, -1) and copied == frames


def test_a_rating_after_a_result_of_an_earlier_day_counts_today_after_a_restart(open_store, clock):
    from tests.test_results import results_config

    store = open_store(results_config())
    store.execute(cmd.Issue("a", "r1"))
    store.execute(cmd.CallNext(1))
    store.execute(cmd.Complete(1))  # handed over later
    clock.advance(days=1)
    store.execute(cmd.ResultsReady(1, "1001"))
    store.execute(cmd.Complete(1))
    store.execute(cmd.Rate(1, 2))
    store.close()
    again = open_store(results_config())
    assert [(r.ticket_id, r.level) for r in again.engine.state.ratings.values()] == [("r1", 2)]
