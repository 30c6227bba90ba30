"""Benchmark: an event's delay from the kiosk's commit to its central row, while online.

A real kiosk store issues tickets at random intervals (0.05-0.5 s) while the real
sync worker runs with the default settings (``interval_seconds`` = 1 s) against
``kiosk-central serve``. The delay of an event is the server's receive stamp
(``received_us``, committed in the same transaction as the row) minus the
moment ``Store.execute`` returned on the kiosk (same machine, same clock).
Run twice: with the interval alone, and with the app calling ``wake()`` after
each commit. Target (issue 5): p99 <= 2 s at the default sync interval.

    python bench/bench_central_delay.py [--events 200] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_central_common import cli, running_central  # noqa: E402
from benchlib import machine, percentile  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from central.db import normalise_url  # noqa: E402
from kiosk import commands as E  # noqa: E402
from kiosk.config import SyncConfig  # noqa: E402
from kiosk.enrolment import enroll  # noqa: E402
from kiosk.outbox import mark_acked  # noqa: E402
from kiosk.sync import SyncWorker  # noqa: E402
from tests.central.conftest import kiosk_store  # noqa: E402


def run(url: str, db_url: str, tmp: Path, events: int, wake: bool) -> list[float]:
    kiosk_db = tmp / f"kiosk-{wake}.db"
    store = kiosk_store(kiosk_db)
    token = enroll(url, cli(db_url, "enrolment-code", "bench"), f"pi-{wake}", tmp / f"token-{wake}.json")
    config = SyncConfig(server_url=url, token_file=str(token), config_cache=str(tmp / "config.json"))
    worker = SyncWorker(kiosk_db, config, on_acked=lambda seq: mark_acked(kiosk_db, seq))
    worker.start()
    committed: dict[int, int] = {}
    rng = random.Random(7)
    i = 0
    while len(committed) < events:
        stored = store.execute(E.Issue("a", f"d-{wake}-{i}"))
        now = time.time_ns() // 1000
        for ev in stored:
            committed[ev.seq] = now
        if wake:
            worker.wake()
        i += 1
        time.sleep(rng.uniform(0.05, 0.5))
    deadline = time.monotonic() + 30
    while worker.acked_seq < max(committed) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    store.close()
    device = __import__("json").loads(Path(token).read_text())["device_id"]
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        received = dict(conn.execute(text("SELECT seq, received_us FROM events WHERE device_id = :d"), {"d": device}).all())
    engine.dispose()
    return [(received[seq] - at) / 1e6 for seq, at in committed.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-delay-"))
    with running_central(args.db, tmp) as (url, db_url):
        print(f"machine: {machine(f'central on {args.db}, loopback, sync interval {SyncConfig().interval_seconds} s')}")
        for wake in (False, True):
            delays = run(url, db_url, tmp, args.events, wake)
            label = "interval only   " if not wake else "wake() on commit"
            print(f"commit-to-central delay, {label}: n={len(delays)} p50 {percentile(delays, 50) * 1000:.0f} ms, "
                  f"p99 {percentile(delays, 99) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms (target p99 <= 2000 ms)")


if __name__ == "__main__":
    main()
