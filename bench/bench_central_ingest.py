"""Benchmark: central ingest on PostgreSQL from 50 concurrent devices.

Starts ``kiosk-central serve`` (uvicorn, ``--workers`` processes) on a scratch
PostgreSQL database, enrols 50 devices, then 50 threads each post their
device's events in batches (request bodies encoded before the clock starts, so
the client's JSON work does not count). Prints events/s and the p50/p99 time of
one batch request, and where the CPU went meanwhile: central's processes,
PostgreSQL's backends serving its database, and this client (its 50 threads).
Target (issues 5 and 13): >= 10,000 events/s on this 2-core machine.

    python bench/bench_central_ingest.py [--devices 50] [--events 4000] [--batch 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_central_common import (  # noqa: E402
    cpu_seconds, enroll, peak_rss_mb, pg_backends, process_tree, served_central, synthetic_event,
)
from benchlib import machine, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--events", type=int, default=4000, help="events per device")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    args = parser.parse_args()

    with served_central("postgresql", Path(tempfile.gettempdir()), args.workers) as (url, db_url, server):
        devices = [enroll(url, db_url, "bench", f"pi-{i:03d}") for i in range(args.devices)]
        bodies: list[list[bytes]] = []
        for d in devices:
            events = [synthetic_event(s) for s in range(1, args.events + 1)]
            bodies.append([
                json.dumps({"device_id": d["device_id"], "events": events[i : i + args.batch]}).encode()
                for i in range(0, len(events), args.batch)
            ])
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.devices + 1)

        def device(i: int) -> None:
            headers = {"Authorization": f"Bearer {devices[i]['token']}", "Content-Type": "application/json"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                barrier.wait()
                for body in bodies[i]:
                    t0 = time.perf_counter()
                    answer = client.post("/api/v1/events", content=body)
                    elapsed = time.perf_counter() - t0
                    with lock:
                        latencies.append(elapsed)
                        if answer.status_code != 200:
                            errors.append(answer.text[:200])

        threads = [threading.Thread(target=device, args=(i,)) for i in range(args.devices)]
        for t in threads:
            t.start()
        server_pids = process_tree(server.pid)
        pg_before = cpu_seconds(pg_backends(db_url))
        server_before = cpu_seconds(server_pids)
        barrier.wait()
        start, client_start = time.perf_counter(), time.process_time()
        for t in threads:
            t.join()
        total = time.perf_counter() - start
        client_cpu = time.process_time() - client_start
        server_cpu = sum(cpu_seconds(server_pids).values()) - sum(server_before.values())
        peak_mb = sum(peak_rss_mb(server_pids).values())
        pg_after = cpu_seconds(pg_backends(db_url))
        pg_cpu = sum(t - pg_before.get(pid, 0.0) for pid, t in pg_after.items())
        import psycopg

        with psycopg.connect(db_url) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        n = args.devices * args.events
        print(f"machine: {machine(f'PostgreSQL, {args.workers} server process(es)')}")
        print(f"ingest: {args.devices} devices x {args.events} events in batches of {args.batch}: "
              f"{n} events in {total:.2f} s = {n / total:,.0f} events/s (target >= 10,000)")
        print(f"batch request latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print(f"CPU while posting: central {server_cpu:.1f} s ({server_cpu / n * 1e6:.0f} us/event), PostgreSQL's "
              f"backends {pg_cpu:.1f} s ({pg_cpu / n * 1e6:.0f} us/event), this client {client_cpu:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"central's peak memory (its processes' peaks, summed): {peak_mb:.0f} MB")
        print(f"stored rows: {stored} (expected {n}); errors: {len(errors)}")
        if errors:
            print("first error:", errors[0])


if __name__ == "__main__":
    main()
