"""Benchmark: issuing tickets through the engine and the store, commit included.

Prints p50/p99 latency and throughput of 2,000 ticket issues (each one
transaction: events + projections, WAL with synchronous=FULL), next to the bare
cost on this machine of one minimal synchronous=FULL commit (insert one small row
and commit), measured in the same run and on the same disk. An empty BEGIN/COMMIT
is shown too, for reference: it writes nothing, so it syncs nothing.

Target (issue 2): p99 of an issue within 3x the bare commit and under 10 ms.

    python bench/bench_store.py [--count 2000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.clock import FakeClock  # noqa: E402
from benchlib import machine, percentile  # noqa: E402
from kiosk.config import parse_config  # noqa: E402
from kiosk.commands import Issue  # noqa: E402
from kiosk.store import Store, open_db  # noqa: E402

CONFIG = parse_config(
    {
        "site": {"unit_name": {"vi": "Văn phòng đo"}},
        "services": [
            {
                "id": f"s{i}",
                "name": {"vi": f"Dịch vụ {i}"},
                "numbering": {"start": i * 10000 + 1, "end": i * 10000 + 9999},
                "opening": {"days": ["tue"], "hours": [["00:00", "23:59"]]},
            }
            for i in range(1, 4)
        ],
        "counters": [{"number": n, "services": ["s1", "s2", "s3"]} for n in range(1, 7)],
    }
)




def bare_commits(folder: Path, count: int) -> tuple[list[float], list[float]]:
    db = open_db(folder / "bare.db")  # same pragmas as the store: WAL, synchronous=FULL
    db.execute("CREATE TABLE one (x INTEGER)")
    minimal, empty = [], []
    for i in range(count):
        start = time.perf_counter()
        db.execute("BEGIN")
        db.execute("INSERT INTO one (x) VALUES (?)", [i])
        db.execute("COMMIT")
        minimal.append(time.perf_counter() - start)
        start = time.perf_counter()
        db.execute("BEGIN")
        db.execute("COMMIT")
        empty.append(time.perf_counter() - start)
    db.close()
    return minimal, empty


def issues(folder: Path, count: int) -> tuple[list[float], float]:
    clock = FakeClock(datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    store = Store(folder / "kiosk.db", CONFIG, clock)
    samples = []
    began = time.perf_counter()
    for i in range(count):
        command = Issue(f"s{1 + i % 3}", str(uuid.uuid4()), priority=i % 10 == 0)
        start = time.perf_counter()
        store.execute(command)
        samples.append(time.perf_counter() - start)
    total = time.perf_counter() - began
    store.close()
    return samples, total


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--dir", default=None, help="where to put the files (default: a folder under bench/)")
    args = parser.parse_args()
    base = Path(args.dir) if args.dir else Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=base) as tmp:
        folder = Path(tmp)
        minimal, empty = bare_commits(folder, args.count)
        samples, total = issues(folder, args.count)
    bare_p50, bare_p99 = percentile(minimal, 50), percentile(minimal, 99)
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    print(f"machine: {machine(f'SQLite {sqlite3.sqlite_version}')}")
    print(f"bare synchronous=FULL commit (1 row)   p50 {ms(bare_p50)}  p99 {ms(bare_p99)}  mean {ms(statistics.mean(minimal))}")
    print(f"empty BEGIN/COMMIT (no write, no sync) p50 {ms(percentile(empty, 50))}  p99 {ms(percentile(empty, 99))}")
    print(f"issue a ticket (engine + store)        p50 {ms(p50)}  p99 {ms(p99)}  "
          f"throughput {args.count / total:,.0f} tickets/s over {args.count}")
    ratio = p99 / bare_p99
    ok = ratio <= 3 and p99 < 0.010
    print(f"target: p99 <= 3x bare commit p99 and < 10 ms -> p99 is {ratio:.2f}x bare, {p99 * 1000:.3f} ms: "
          f"{'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
