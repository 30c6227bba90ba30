"""How long a ticket takes from data to printer bytes (render + ESC/POS encode).

Run: ``.venv/bin/python bench/bench_ticket.py [--runs 300]``. Prints p50/p99 per
paper width and ticket kind next to the target (p99 <= 30 ms), and the machine.
Each run uses a new number, wait and QR URL, as real tickets do; the first
ticket (fonts loading, python-escpos reading its printer database) is timed
separately as "first".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.printer.raster import ticket_bytes  # noqa: E402
from benchlib import machine, percentile  # noqa: E402
from drivers.printer.ticket import render_ticket, sample_view  # noqa: E402

TARGET_P99_MS = 30.0




def one(width: int, i: int, full: bool) -> float:
    changes: dict[str, object] = {
        "number": str(1000 + i % 999),
        "people_ahead": i % 40,
        "wait_minutes": (i * 7) % 90,
    }
    if full:
        changes.update(priority=i % 3 == 0, qr_url=f"https://dichvucong.example.vn/q/KH-PC08/{1000 + i}")
    else:
        changes.update(languages=("vi",), qr_url=None)
    started = time.perf_counter()
    image = render_ticket(sample_view(**changes), width)
    data = ticket_bytes(image, width)
    elapsed = (time.perf_counter() - started) * 1000
    assert data
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"runs: {args.runs} per case; target p99 <= {TARGET_P99_MS:.0f} ms (render + escpos encode)")
    first = one(576, 0, True)
    print(f"first ticket (cold caches): {first:.1f} ms")
    worst = 0.0
    for width in (384, 576):
        for full, name in ((True, "vi+en, QR, priority every 3rd"), (False, "vi only, no QR")):
            times = [one(width, i, full) for i in range(1, args.runs + 1)]
            p50, p99 = percentile(times, 50), percentile(times, 99)
            worst = max(worst, p99)
            verdict = "ok" if p99 <= TARGET_P99_MS else "OVER TARGET"
            print(
                f"{width} dots ({'58' if width == 384 else '80'} mm), {name:32s} "
                f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  mean {statistics.fmean(times):6.2f} ms  "
                f"target p99 <= {TARGET_P99_MS:.0f} ms: {verdict}"
            )
    return 0 if worst <= TARGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
