"""How fast the camera's shared path is (target: fan-out p99 <= 5 ms, snapshot p99 <= 20 ms).

* draw: the simulated camera drawing and JPEG-encoding one 1280x720 frame
  (the simulated backend's frame source; on a Pi the real one is picamera2's
  JpegEncoder, not measured here);
* fan-out: from a frame being published to the last of 5 readers having it,
  the path every frame of the live stream takes on both backends;
* snapshot: saving the latest frame to its day folder.

Run: .venv/bin/python bench/bench_camera.py [frames]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.camera import CameraConfig, FrameHub, open_camera  # noqa: E402
from drivers.camera.simulated import FrameDrawer  # noqa: E402
from benchlib import machine  # noqa: E402

START = datetime(2026, 11, 24, 8, 0, 0)
READERS = 5




def report(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    print(f"{name:9s} n={len(ms):4d}  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {ms[-1]:6.2f} ms")


def bench_draw(frames: int) -> list[float]:
    drawer = FrameDrawer((1280, 720), [3], 80, 10)
    for n in range(10):  # warm-up
        drawer.jpeg(START, n)
    samples = []
    for n in range(frames):
        began = time.perf_counter()
        drawer.jpeg(START + timedelta(seconds=n), n)
        samples.append(time.perf_counter() - began)
    return samples


def bench_fanout(frames: int) -> list[float]:
    hub = FrameHub(stall_timeout_s=5)
    frame = FrameDrawer((1280, 720), [3], 80, 10).jpeg(START, 1)
    received = [threading.Semaphore(0) for _ in range(READERS)]

    def read(index: int) -> None:
        seq = 0
        while (got := hub.wait_next(seq)) is not None:
            seq = got[0]
            received[index].release()

    threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(READERS)]
    for t in threads:
        t.start()
    samples = []
    for _ in range(frames):
        began = time.perf_counter()
        hub.publish(frame)
        for sem in received:
            sem.acquire()
        samples.append(time.perf_counter() - began)
        time.sleep(0.002)  # frames come 100 ms apart in real life; do not overlap them
    hub.close()
    for t in threads:
        t.join(2)
    return samples


def bench_snapshot(frames: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        config = CameraConfig(enabled=True, backend="simulated", snapshot_dir=folder, frame_rate=10)
        camera = open_camera(config, [3])
        assert camera is not None
        try:
            samples = []
            for n in range(frames):
                began = time.perf_counter()
                camera.snapshot(3, str(1000 + n), "start", START + timedelta(seconds=n))
                samples.append(time.perf_counter() - began)
        finally:
            camera.close()
    return samples


def main(frames: int = 300) -> None:
    print(machine())
    print(f"1280x720, quality 80, {READERS} stream readers")
    report("draw", bench_draw(frames))
    report("fan-out", bench_fanout(frames))
    report("snapshot", bench_snapshot(frames))
    print("target: fan-out p99 <= 5 ms, snapshot p99 <= 20 ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
