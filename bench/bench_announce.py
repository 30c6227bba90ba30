"""How long from "call number N to counter C" to the first sample ready to play.

Measures, with the shipped clips already loaded (as after start-up):

1. compose: phrase -> one WAV (chime + clips, Vietnamese and English), for a
   new number each time (so no cached WAV is reused);
2. announce: ``Announcer.call()`` on the app's thread -> the WAV handed to the
   speaker on the announcer's thread (queue hop + phrase + compose).
   Target: p99 <= 20 ms.
3. names: ``Announcer.call(number, counter, name=...)`` ("next" on a named
   ticket) -> the WAV handed to the speaker, over varied names said by
   espeak-ng (no syllable bank), three ways:
   (a) prepared: ``prepare(name)`` was called when the ticket was issued
       (and the next tickets' names are being prepared meanwhile);
   (b) cold: the name was never prepared (espeak-ng runs during the call);
   (c) recall: the same call again, after the other calls.
   Target: p99 <= 300 ms for each.

Also prints the one-off start-up cost (loading clips).

Run: ``.venv/bin/python bench/bench_announce.py [ROUNDS] [NAMES]``
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import machine, percentile  # noqa: E402
from drivers.speaker import (  # noqa: E402
    Announcer,
    Composer,
    Speaker,
    SpeakerConfig,
    call_announcement,
)

NAME_TARGET_MS = 300

_FAMILY = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn "
           "Trịnh Trương Đinh Lâm Mai Tô Hà Lương Cao").split()
_MIDDLE = "Văn Thị Hữu Đức Công Quang Minh Ngọc Xuân Thanh Hồng Bảo Gia Thế Đình Quốc".split()
_GIVEN = ("An Anh Bình Cường Dũng Hường Ước Tuyết Việt Hương Lan Hoa Hùng Huy Hiếu Hiền Hạnh "
          "Hằng Khoa Linh Long Lộc Nam Nga Nghĩa Nhung Phong Phúc Quân Quỳnh Sơn Tâm Thảo "
          "Thành Thủy Trang Trung Tú Tùng Vân Vinh Yến").split()


def varied_names(rng: random.Random, count: int) -> list[str]:
    """``count`` different names, two to four syllables, as on CCCD cards."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        middle = rng.sample(_MIDDLE, rng.choice([0, 1, 1, 2]))
        name = " ".join([rng.choice(_FAMILY), *middle, rng.choice(_GIVEN)])
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<11} n={len(ms):5d}  p50={percentile(ms, 50):7.3f} ms  "
        f"p99={percentile(ms, 99):7.3f} ms  max={max(ms):7.3f} ms  "
        f"mean={statistics.fmean(ms):7.3f} ms"
    )


class _Stopwatch(Speaker):
    """Notes when the WAV reaches the speaker; plays nothing."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.at = 0.0

    def play(self, wav: bytes, text: str) -> None:
        self.at = time.perf_counter()
        self.arrived.set()


def main(rounds: int, name_rounds: int = 200) -> None:
    rng = random.Random(1005)
    tickets = [
        (f"{rng.choice(['', 'A', 'B', 'C'])}{rng.randint(1, 9999)}", rng.randint(1, 20))
        for _ in range(rounds)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        config = SpeakerConfig(backend="simulated", output_dir=Path(tmp))
        print(f"machine: {machine()}")
        print(f"announcement: chime + Vietnamese + English, {rounds} random tickets")

        start = time.perf_counter()
        composer = Composer(config)
        composer.preload()
        clips = sum(1 for _ in Path(config.sounds_dir).rglob("*.wav"))
        print(f"start-up   loading {clips} clips: "
              f"{(time.perf_counter() - start) * 1000:.1f} ms (once)")

        compose = []
        for number, counter in tickets:
            t0 = time.perf_counter()
            wav = composer.wav(call_announcement(config, number, counter))
            compose.append(time.perf_counter() - t0)
            assert len(wav) > 44
        report("compose", compose)

        speaker = _Stopwatch()
        announcer = Announcer(speaker, composer)
        announce = []
        for number, counter in tickets:
            speaker.arrived.clear()
            t0 = time.perf_counter()
            announcer.call(number + "0", counter)  # new numbers: nothing cached
            speaker.arrived.wait(5)
            announce.append(speaker.at - t0)
            announcer.wait(5)
        announcer.close()
        report("announce", announce)
        worst = percentile([s * 1000 for s in announce], 99)
        print(f"target p99 <= 20 ms: {'met' if worst <= 20 else 'NOT met'}")

        names(composer, rng, name_rounds)


def names(composer: Composer, rng: random.Random, rounds: int) -> None:
    """The officer's "next" on named tickets: prepared at issue, cold, and recalled."""
    speaker = _Stopwatch()
    announcer = Announcer(speaker, composer)
    fresh = varied_names(rng, 2 * rounds)
    ahead = 5  # tickets issued (names being prepared) while one is called

    def timed(number: str, counter: int, name: str) -> float:
        speaker.arrived.clear()
        t0 = time.perf_counter()
        announcer.call(number, counter, name=name)
        speaker.arrived.wait(30)
        elapsed = speaker.at - t0
        announcer.wait(30)
        return elapsed

    print(f"names: {rounds} calls each, espeak-ng for every name (no syllable bank)")
    prepared_names = fresh[:rounds]
    for name in prepared_names[:ahead]:
        announcer.prepare(name)
    prepared = []
    for index, name in enumerate(prepared_names):
        if index + ahead < rounds:
            announcer.prepare(prepared_names[index + ahead])  # a ticket issued meanwhile
        deadline = time.monotonic() + 30
        while not composer.is_prepared(name) and time.monotonic() < deadline:
            time.sleep(0.002)  # its citizen waits minutes in the office
        prepared.append(timed(str(2000 + index), rng.randint(1, 20), name))

    cold_calls = [(str(5000 + i), rng.randint(1, 20), name) for i, name in enumerate(fresh[rounds:])]
    cold = [timed(*call) for call in cold_calls]
    recall = [timed(*call) for call in cold_calls]
    announcer.close()
    for label, seconds in (("prepared", prepared), ("cold", cold), ("recall", recall)):
        report(label, seconds)
        worst = percentile([s * 1000 for s in seconds], 99)
        print(f"  {label}: target p99 <= {NAME_TARGET_MS} ms: "
              f"{'met' if worst <= NAME_TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 200)
