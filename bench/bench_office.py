"""Benchmark: the running kiosk process in simulate mode (issue 4 targets).

1. Button press to ticket committed and its bytes handed to the printer backend
   (target p99 <= 50 ms). Measured from the mock pin's edge, so it includes the
   debounce time (a press counts once the contact is steady for debounce_ms).
2. Keypad "next" to the board showing the call and the announcement starting
   (target p99 <= 150 ms).
3. 20 presses a second for 60 s: none lost or doubled.
4. Idle for 10 minutes on the headless simulation: resident memory (target
   <= 150 MB) and CPU (target <= 3% of one core).
5. (Issue 12) A press right after a CCCD scan, taken in turn with the plain
   presses of 1: the scan may add at most 5 ms to their p99. And keypad "next" on named
   tickets to the announcement (with the name, by espeak-ng) starting: target
   p99 <= 300 ms.

    python bench/bench_office.py [--presses 100] [--calls 150] [--named-calls 100] [--burst-seconds 60]
                                 [--idle-seconds 600]

--presses N: N plain presses and N after a scan, a second apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from benchlib import machine, percentile  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.run import Process  # noqa: E402
from kiosk.simulation import ScaledClock, pair_keypads, simulated_config, weekday_morning  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo.toml"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def report(name: str, samples: list[float], target_ms: float) -> bool:
    ms = [s * 1000 for s in samples]
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    ok = p99 <= target_ms
    print(f"{name:<44} n={len(ms):4d}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  target p99 <= {target_ms:g} ms: "
          f"{'MET' if ok else 'NOT MET'}")
    return ok


class Commits:
    """When each ticket was committed: the process's hook on every batch of stored events."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.committed: dict[str, float] = {}

    def on_events(self, events) -> None:
        now = time.perf_counter()
        with self.lock:
            for event in events:
                if event.type == "ticket_issued":
                    self.committed[event.data["display"]] = now


class Bench:
    def __init__(self, process: Process, args: argparse.Namespace, commits: Commits) -> None:
        self.process = process
        self.office = process.office
        self.sim = process.office.simulation
        self.args = args
        self.results: list[bool] = []
        self.committed = commits.committed
        self.lock = commits.lock
        # "Handed to the printer backend": the moment the ESC/POS bytes exist,
        # which both backends build the same way before their last hop.
        import drivers.printer.raster as printer_module

        real_bytes = printer_module.ticket_bytes
        self.printed: list[float] = []

        def timed(*args, **kwargs):
            data = real_bytes(*args, **kwargs)
            with self.lock:
                self.printed.append(time.perf_counter())
            return data

        printer_module.ticket_bytes = timed
        speaker = self.office.devices.announcer
        self.spoken: list[float] = []
        real_play = speaker.speaker.play

        def play(wav, text):
            with self.lock:
                self.spoken.append(time.perf_counter())
            real_play(wav, text)

        speaker.speaker.play = play
        self.board_seen: list[tuple[float, str | None]] = []
        board = process.board
        real_show = board.show

        def show(state):
            highlighted = next((c.counter for c in state.counters if c.highlighted), None)
            with self.lock:
                self.board_seen.append((time.perf_counter(), highlighted))
            real_show(state)

        board.show = show

    def wait(self, check, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while not check() and time.monotonic() < deadline:
            time.sleep(0.001)

    def press_to_print(self) -> None:
        """Press -> bytes to the printer, plain presses and presses right after a CCCD scan taken in turn,
        so that both see the same queue (the work per ticket grows with the people waiting)."""
        from kiosk.cccd import SAMPLE_CARDS

        scanner = self.office.devices.scanner.simulated.get()
        samples: dict[bool, list[float]] = {False: [], True: []}
        accepted, committed = [], []
        pin = self.office.devices.buttons.pin_factory.pin(self.office.config.buttons.services["xemay"].button)
        panel = self.office.devices.buttons
        real_post = panel._post
        posted: list[float] = []

        def post(item):
            if type(item).__name__ == "ServicePressed":
                posted.append(time.perf_counter())
            real_post(item)

        panel._post = post
        hold = (self.office.config.buttons.debounce_ms + 20) / 1000
        warmup = 6  # the first tickets load fonts and printer profiles: reported apart
        for index in range(2 * self.args.presses + warmup):
            scan = index % 2 == 1
            if index == warmup:
                cold, samples, accepted, committed = samples[False][0], {False: [], True: []}, [], []
            if scan:
                scanner.scan(SAMPLE_CARDS[index % len(SAMPLE_CARDS)])
                self.wait(lambda: self.office.view().greeting is not None)
            time.sleep(1.0)  # the citizen reaches the button (from the scanner or not)
            before = len(self.printed)
            start = time.perf_counter()
            pin.drive_low()
            self.wait(lambda: len(self.printed) > before)
            samples[scan].append(self.printed[-1] - start)
            if not scan:
                accepted.append(posted[-1] - start)
                committed.append(max(self.committed.values()) - start)
            pin.drive_high()
            time.sleep(hold)
        panel._post = real_post
        debounce = self.office.config.buttons.debounce_ms
        print(f"  the very first ticket (cold caches) took {cold * 1000:.1f} ms")
        print(f"  of which: press accepted after debounce ({debounce} ms) p50 {percentile(accepted, 50) * 1000:.1f} ms, "
              f"ticket committed p50 {percentile(committed, 50) * 1000:.1f} ms / p99 {percentile(committed, 99) * 1000:.1f} ms")
        self.results.append(report("press -> committed, bytes to the printer", samples[False], 50))
        plain, named = (percentile(samples[k], 99) * 1000 for k in (False, True))
        added = named - plain
        ok = added <= 5
        print(f"{'press after a CCCD scan -> bytes to printer':<44} n={len(samples[True]):4d}  "
              f"p50 {percentile(samples[True], 50) * 1000:7.1f} ms  p99 {named:7.1f} ms  {added:+.1f} ms on the p99 "
              f"without a scan; target <= +5 ms: {'MET' if ok else 'NOT MET'}")
        self.results.append(ok)

    def named_next_to_voice(self) -> None:
        """Keypad next on named tickets -> the announcement with the name starts (names prepared at issue)."""
        from kiosk.cccd import SAMPLE_CARDS

        config = self.office.config
        counter = next(c.number for c in config.counters if c.services == ["vipham"])
        pin = self.office.devices.buttons.pin_factory.pin(config.buttons.services["vipham"].button)
        scanner = self.office.devices.scanner.simulated.get()
        hold = (config.buttons.debounce_ms + 20) / 1000
        samples = []
        for index in range(self.args.named_calls):
            scanner.scan(SAMPLE_CARDS[index % len(SAMPLE_CARDS)])
            self.wait(lambda: self.office.view().greeting is not None)
            pin.drive_low()
            time.sleep(hold)
            pin.drive_high()
            time.sleep(hold)
            self.wait(lambda: self.office.view().greeting is None)
            time.sleep(0.3)  # the citizen walks to a seat; the name is prepared meanwhile
            held = next(c for c in self.office.view().counters if c.number == counter).ticket
            if held:
                self.sim.type_keys(counter, "+")
                self.wait(lambda: next(c for c in self.office.view().counters if c.number == counter).ticket is None)
            spoken_before = len(self.spoken)
            start = time.perf_counter()
            self.sim.type_keys(counter, "E")
            self.wait(lambda: len(self.spoken) > spoken_before)
            samples.append(self.spoken[-1] - start)
        self.results.append(report("keypad next -> named announcement starts", samples, 300))

    def next_to_board_and_voice(self) -> None:
        samples_board, samples_voice = [], []
        keypad_counter = 3  # serves xemay, which the presses above filled
        for _ in range(self.args.calls):
            view = self.office.view()
            held = next(c for c in view.counters if c.number == keypad_counter).ticket
            if held:
                self.sim.type_keys(keypad_counter, "+")
                self.wait(lambda: next(c for c in self.office.view().counters if c.number == keypad_counter).ticket is None)
                time.sleep(0.05)
            if not next(s for s in self.office.view().services if s.id == "xemay").waiting:
                break
            spoken_before, board_before = len(self.spoken), len(self.board_seen)
            start = time.perf_counter()
            self.sim.type_keys(keypad_counter, "E")
            self.wait(lambda: len(self.spoken) > spoken_before)
            self.wait(lambda: any(h == keypad_counter for _, h in self.board_seen[board_before:]))
            board_at = next(t for t, h in self.board_seen[board_before:] if h == keypad_counter)
            samples_board.append(board_at - start)
            samples_voice.append(self.spoken[-1] - start)
        self.results.append(report("keypad next -> board shows the call", samples_board, 150))
        self.results.append(report("keypad next -> announcement starts", samples_voice, 150))

    def burst(self) -> None:
        config = self.office.config
        services = [s.id for s in config.services]
        rate_each = 20 / len(services)
        issued_before = self.office.view().figures.issued
        pressed = [0]
        stop_at = time.monotonic() + self.args.burst_seconds

        def presser(service: str) -> None:
            pin = self.office.devices.buttons.pin_factory.pin(config.buttons.services[service].button)
            period = 1 / rate_each
            next_at = time.monotonic()
            hold = (config.buttons.debounce_ms + 15) / 1000
            while time.monotonic() < stop_at:
                pin.drive_low()
                time.sleep(hold)
                pin.drive_high()
                with self.lock:
                    pressed[0] += 1
                next_at += period
                # Like a hand: the button stays up a while before the next press,
                # even when this thread is behind its schedule.
                time.sleep(max(hold, next_at - time.monotonic()))

        threads = [threading.Thread(target=presser, args=(s,)) for s in services]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.wait(lambda: self.office.view().figures.issued - issued_before >= pressed[0], 10)
        issued = self.office.view().figures.issued - issued_before
        ok = issued == pressed[0]
        print(f"{'20 presses/s for ' + str(self.args.burst_seconds) + ' s':<44} pressed {pressed[0]}, issued {issued}: "
              f"{'none lost or doubled' if ok else 'MISMATCH'}")
        self.results.append(ok)

    def idle(self) -> None:
        cpu0, wall0 = cpu_seconds(), time.monotonic()
        time.sleep(self.args.idle_seconds)
        cpu = (cpu_seconds() - cpu0) / (time.monotonic() - wall0) * 100
        memory = rss_mb()
        ok = memory <= 150 and cpu <= 3
        print(f"{'idle ' + str(self.args.idle_seconds) + ' s (headless)':<44} RSS {memory:.0f} MB (target <= 150), "
              f"CPU {cpu:.2f}% of one core (target <= 3): {'MET' if ok else 'NOT MET'}")
        self.results.append(ok)

    def run(self) -> None:
        try:
            self.press_to_print()
            self.named_next_to_voice()
            self.next_to_board_and_voice()
            if self.args.burst_seconds:
                self.burst()
            if self.args.idle_seconds:
                self.idle()
        finally:
            self.process.stop_event.set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--calls", type=int, default=150)
    parser.add_argument("--named-calls", type=int, default=100)
    parser.add_argument("--burst-seconds", type=int, default=60)
    parser.add_argument("--idle-seconds", type=int, default=600)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-office-", dir=Path(__file__).resolve().parent) as tmp:
        config = simulated_config(load_config(DEMO), Path(tmp), web_port=0)
        # Enough numbers for the burst: no daily caps in the benchmark.
        services = [s.model_copy(update={"daily_cap": None}) for s in config.services]
        board = config.board.model_copy(update={"frames_dir": None})  # no PNG per change: not the kiosk's work
        config = config.model_copy(update={"services": services, "board": board})
        pair_keypads(config)
        clock = ScaledClock(weekday_morning(config.site.tz, 8, 0))
        commits = Commits()
        process = Process(config, None, clock, simulate=True, on_events=commits.on_events)
        process.start()
        bench = Bench(process, args, commits)
        thread = threading.Thread(target=bench.run, daemon=True)
        thread.start()
        process.run()
        thread.join(30)
    return 0 if bench.results and all(bench.results) else 1


if __name__ == "__main__":
    sys.exit(main())
