"""Benchmark: 30 days offline (100,000 events) uploaded over loopback by the real sync worker.

Builds a real kiosk store (``kiosk.store.Store``) whose ``events`` table holds
100,000 events copied from real ones (the engine's own events for a few
citizens, repeated with fresh seq and uuid: issuing 100,000 tickets one
synchronous commit at a time would take minutes and measure the store, not the
sync). Then ``SyncWorker.sync_once()`` drains the backlog into
``kiosk-central serve`` on SQLite (the default) or PostgreSQL, and
``mark_acked`` flags them as on the kiosk. Target (issue 5): <= 30 s.

    python bench/bench_central_backlog.py [--events 100000] [--db sqlite|postgresql] [--batch 1000]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_central_common import cli, running_central  # noqa: E402
from benchlib import machine  # noqa: E402

from kiosk import commands as E  # noqa: E402
from kiosk.config import SyncConfig  # noqa: E402
from kiosk.enrolment import enroll  # noqa: E402
from kiosk.ids import time_ordered_uuid  # noqa: E402
from kiosk.outbox import mark_acked  # noqa: E402
from kiosk.sync import SyncWorker  # noqa: E402
from tests.central.conftest import kiosk_store  # noqa: E402


def build_backlog(path: Path, total: int) -> None:
    store = kiosk_store(path)
    for i in range(5):
        store.execute(E.Issue("a", f"seed-{i}"))
        store.execute(E.CallNext(1))
        store.execute(E.StartService(1))
        store.execute(E.Complete(1))
        store.execute(E.Rate(1, 1))
    store.close()
    conn = sqlite3.connect(path)
    seed = conn.execute("SELECT type, payload, wall_time, mono_ns, boot_id, clock_synced FROM events ORDER BY seq").fetchall()
    start = len(seed) + 1
    with conn:
        conn.executemany(
            "INSERT INTO events (seq, uuid, type, payload, wall_time, mono_ns, boot_id, clock_synced, acked) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            ((seq, time_ordered_uuid(), *seed[seq % len(seed)][:3], seq * 1000, *seed[0][4:]) for seq in range(start, total + 1)),
        )
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backlog-"))
    with running_central(args.db, tmp) as (url, db_url):
        kiosk_db = tmp / "kiosk.db"
        build_backlog(kiosk_db, args.events)
        token = enroll(url, cli(db_url, "enrolment-code", "bench"), "pi-backlog", tmp / "token.json")
        config = SyncConfig(server_url=url, token_file=str(token), config_cache=str(tmp / "config.json"),
                            batch_size=args.batch)
        worker = SyncWorker(kiosk_db, config, on_acked=lambda seq: mark_acked(kiosk_db, seq))
        start = time.perf_counter()
        worker.sync_once()
        elapsed = time.perf_counter() - start
        conn = sqlite3.connect(kiosk_db)
        left = conn.execute("SELECT COUNT(*) FROM events WHERE acked = 0").fetchone()[0]
        conn.close()
        print(f"machine: {machine(f'central on {args.db}, 1 server process, loopback')}")
        print(f"backlog: {args.events} events in batches of {args.batch} uploaded and acknowledged in {elapsed:.1f} s "
              f"({args.events / elapsed:,.0f} events/s; target <= 30 s); unacknowledged left: {left}")


if __name__ == "__main__":
    main()
