"""Benchmark: the operations room's per-process cost, one hub step (alert rules + the wall of every unit).

Each server process runs one hub (``central.ops.live.Hub``): every second it
evaluates the alert rules, every 2 s it also reads the wall of every unit. This
loads ``--offices`` units on a scratch PostgreSQL database (on 127.0.0.1:5432),
each one kiosk with a camera, 6 counters (3 staffed), ``--waiting`` citizens
waiting (issued 0 to N minutes ago, through the API as a kiosk sends them) and
then times ``--steps`` steps of each kind. Target: a step with the wall under
300 ms at 200 offices (a tenth of the 2 s between snapshots, on one of 2 cores).

    python bench/bench_ops.py [--offices 200] [--waiting 20] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_central_common import drop_pg, scratch_pg  # noqa: E402
from benchlib import machine, percentile  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from central import core  # noqa: E402
from central.app import create_app  # noqa: E402
from central.ops import live  # noqa: E402
from central.settings import Ops  # noqa: E402
from tests.central.ops_offices import OpsOffice, counter  # noqa: E402

TARGET_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--waiting", type=int, default=20)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    url, name = scratch_pg()
    try:
        app = create_app(url)
        client = TestClient(app)
        started = time.perf_counter()
        for i in range(args.offices):
            code = f"s{i:03d}"
            with app.state.engine.begin() as conn:
                core.add_site(conn, code, f"Đơn vị {i}")
                enrol_code = core.new_enrolment_code(conn, code)
            office = OpsOffice(client, client.post("/api/v1/enroll", json={"code": enrol_code, "serial": f"pi-{i}"}).json())
            for t in range(args.waiting):
                office.issue(f"{code}-t{t}", minutes_ago=t)
            office.upload()
            office.heartbeat([counter(n, officer="101" if n % 2 else None) for n in range(1, 7)],
                             devices={"printer": "ok", "camera": "ok", "microphone": "ok"})
        print(f"loaded {args.offices} offices x {args.waiting} waiting in {time.perf_counter() - started:.0f} s")
        hub = live.Hub(app.state.engine, Ops())
        hub.step(snapshot=True)  # warm
        timed: dict[bool, list[float]] = {False: [], True: []}
        for i in range(args.steps * 2):
            snapshot = bool(i % 2)
            t0 = time.perf_counter()
            hub.step(snapshot=snapshot)
            timed[snapshot].append((time.perf_counter() - t0) * 1000)
        print(machine(f"load {os.getloadavg()[0]:.1f}"))
        for snapshot, label in ((False, "alerts only"), (True, "alerts + wall")):
            values = timed[snapshot]
            print(f"hub step, {label:14}: p50 {statistics.median(values):6.0f} ms  p99 {percentile(values, 99):6.0f} ms")
        p99 = percentile(timed[True], 99)
        print(f"target: a step with the wall <= {TARGET_MS:.0f} ms at p99: {'met' if p99 <= TARGET_MS else 'NOT met'} "
              f"({p99:.0f} ms; {len(hub.wall)} tiles)")
        app.state.engine.dispose()
    finally:
        drop_pg(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
