"""How long the board takes to draw a 1080p frame (target: p99 <= 20 ms).

Draws through the simulated backend (SDL's dummy video driver), which runs
every step of the real backend except showing the frame on a screen:

* full: a whole new frame per call (six counters, three services, one banner),
  every frame a new number at a counter, as when an officer calls the next
  citizen (so the new number's text is rendered afresh, not taken from a cache);
* second: the tick at a new second (the date and time, plus one notice step);
* notices: one step of the scrolling notice line.

Run: .venv/bin/python bench/bench_board.py [frames]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame  # noqa: E402
from benchlib import machine as describe_machine  # noqa: E402

from drivers.board import Banner, BoardConfig, BoardState, CounterCall, ServiceQueue, open_board  # noqa: E402

START = datetime(2025, 7, 14, 8, 0, 0)




def state(call: int) -> BoardState:
    """Six counters; counter ``call % 6 + 1`` has just called ticket ``1000 + call``."""
    newest = call % 6 + 1
    counters = [
        CounterCall(c, f"Quầy {c}", f"Counter {c}", str(1000 + call - ((newest - c) % 6)), c == newest)
        for c in range(1, 7)
    ]
    services = [
        ServiceQueue("Đăng ký xe ô tô", "Car registration", 12 + call % 5),
        ServiceQueue("Đăng ký xe mô tô, xe gắn máy, xe máy điện", "Motorcycle and e-bike registration", 7),
        ServiceQueue("Xử lý vi phạm hành chính về trật tự, an toàn giao thông", "Traffic violations", 0,
                     "Hôm nay không làm việc", "Closed today"),
    ]
    return BoardState(
        "Phòng Cảnh sát giao thông – Công an tỉnh Quảng Ninh",
        "Traffic Police Division – Quang Ninh Provincial Police",
        ("vi", "en"), counters, services,
        tuple(f"Thông báo {i}: công dân vui lòng chuẩn bị giấy tờ trước khi đến lượt" for i in range(4)),
        "0203 3825 123",
        (Banner.paper_out(),),
    )


def report(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    print(f"{name:8s} n={len(ms):4d}  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {ms[-1]:6.2f} ms")


def main(frames: int = 500) -> None:
    print(describe_machine(f"pygame {pygame.version.ver} SDL {'.'.join(map(str, pygame.get_sdl_version()))}"))
    board = open_board(BoardConfig(backend="simulated", width=1920, height=1080, notice_fps=25))
    try:
        board.tick(START)
        for call in range(20):  # warm-up: fonts loaded, common glyphs cached
            board.show(state(call))
        full, clock, notices = [], [], []
        for call in range(20, 20 + frames):
            now = START + timedelta(seconds=call)
            board.tick(now - timedelta(milliseconds=1))  # clock out of the way of the measurement
            began = time.perf_counter()
            board.show(state(call))
            full.append(time.perf_counter() - began)
            clock_before = board.redraws.clock
            began = time.perf_counter()
            board.tick(now)  # a new second: the clock, and a notice step
            elapsed = time.perf_counter() - began
            if board.redraws.clock > clock_before:
                clock.append(elapsed)
        for step in range(frames):
            now = START + timedelta(hours=1, milliseconds=40 * step + 1)
            if now.microsecond < 40_000:
                continue  # this tick also redraws the clock
            began = time.perf_counter()
            board.tick(now)
            notices.append(time.perf_counter() - began)
        print(f"1920x1080, 6 counters, 3 services, 1 banner, English on; redraws {board.redraws}")
        report("full", full)
        report("second", clock)
        report("notices", notices)
        print("target: full p99 <= 20 ms")
    finally:
        board.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
