"""``kiosk demo``: a scripted busy morning, at high speed, through the real process.

Citizens press the service buttons (some with the priority button first,
some as the elderly's priority group: the demo's header has no pin left for a
group button, so those presses are posted as the button would post them; some
after scanning their chip ID card, so that they are called by name), officers
sign in and drive their counters from their keypads (next, recall, no-show, a
transfer, a priority group, complete, and "your results are ready" for the
registrations handed over later, and the dossier code (mã hồ sơ) of many
tickets), citizens press the rating buttons (a dissatisfied one then presses
the button of a reason), and the printer runs out of paper for a while and is
refilled. A card that is not a
CCCD and a scan without a press are ignored. Every press goes
through the simulated device's driver, the queue, the engine and the outputs,
exactly as on a Pi. The demo writes the tickets (PNG), board frames (PNG),
announcements (WAV) and a summary.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from drivers.buttons import RatingPressed
from kiosk.cccd import SAMPLE_CARDS
from kiosk.config import Config
from kiosk.credentials import add_officer
from kiosk.run import Process
from kiosk.simulation import ScaledClock, Simulation, pair_keypads, simulated_config, weekday_morning

log = logging.getLogger(__name__)

#: Citizens arriving per minute, by position of the service in the config.
ARRIVALS_PER_MINUTE = (0.45, 0.8, 0.3)
PRIORITY_SHARE = 0.12
#: Chance that a called citizen does not come.
NO_SHOW_SHARE = 0.06
#: Rating levels chosen by citizens who rate (best first).
RATING_WEIGHTS = (0.55, 0.3, 0.1, 0.05)
RATING_SHARE = 0.85
#: Dissatisfied citizens who answer the reason question (the others let it time out).
REASON_SHARE = 0.8
#: Tickets whose dossier code the officer attaches while serving.
DOSSIER_SHARE = 0.5
#: Citizens who scan their CCCD before pressing (called by name), and who come as the elderly's group.
SCAN_SHARE = 0.4
GROUP_SHARE = 0.06
#: Minutes after which a result handed over later is ready (the officer calls the citizen back).
RESULTS_AFTER_MINUTES = 15
#: A scan that is not a CCCD (another barcode) and one not followed by a press, at these points of the morning.
NOT_A_CARD = "8935049501234"
#: The demo's officers, one per counter in order: (name, code, PIN). Written to the demo's own
#: credentials file under --out; the officers sign in on their keypads with * * code * PIN Enter.
OFFICERS = (
    ("Nguyễn Văn An", "101", "2580"), ("Trần Thị Bình", "102", "3691"), ("Lê Văn Cường", "103", "4702"),
    ("Phạm Thị Dung", "104", "5813"), ("Hoàng Văn Em", "105", "6924"), ("Vũ Thị Giang", "106", "7035"),
    ("Đặng Văn Hải", "107", "8146"), ("Bùi Thị Hoa", "108", "9257"), ("Đỗ Văn Khánh", "109", "1368"),
)


@dataclass
class _Desk:
    """What the demo's officer at one counter is doing."""

    number: int
    busy_until: Any = None
    holding: str | None = None
    recalled: bool = False
    will_not_come: bool = False
    results_until: Any = None  # handing a result over until then


@dataclass
class Summary:
    """What the morning came to."""

    minutes: int
    issued: int
    served: int
    no_shows: int
    waiting_at_end: int
    mean_wait_min: float | None
    p90_wait_min: float | None
    mean_service_min: float | None
    satisfaction: float | None
    ratings: list[int]
    presses_refused_without_paper: int
    tickets_printed: int
    board_frames: int
    announcements: int
    named_tickets: int = 0
    results_handed_over: int = 0
    groups: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)  # ratings as the rules count them
    reasons: dict[str, int] = field(default_factory=dict)  # reason id -> times given
    dossiers: int = 0  # tickets with a dossier code
    files: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """The summary for a person, Vietnamese first."""

        def num(value: float | None, unit: str = "") -> str:
            return "-" if value is None else f"{value:g}{unit}"

        share = "-" if self.satisfaction is None else f"{self.satisfaction * 100:.0f}%"
        return "\n".join(
            [
                f"Buổi sáng mô phỏng / Simulated morning: {self.minutes} phút/min",
                f"Đã cấp số / Tickets issued: {self.issued}",
                f"Đã phục vụ / Served: {self.served}; vắng mặt / no-shows: {self.no_shows}; "
                f"còn chờ / still waiting: {self.waiting_at_end}",
                f"Thời gian chờ / Waiting time: trung bình/mean {num(self.mean_wait_min, ' phút/min')}, "
                f"P90 {num(self.p90_wait_min, ' phút/min')}",
                f"Thời gian phục vụ / Service time: trung bình/mean {num(self.mean_service_min, ' phút/min')}",
                f"Mức độ hài lòng / Satisfaction: {share} ({', '.join(map(str, self.ratings))} lượt đánh giá/ratings)",
                f"Bấm nút khi máy in hết giấy / Presses refused without paper: {self.presses_refused_without_paper}",
                f"Vé đã in / Tickets printed: {self.tickets_printed}; khung bảng / board frames: {self.board_frames}; "
                f"thông báo / announcements: {self.announcements}",
                f"Số có tên (quét CCCD) / Named tickets (ID card scanned): {self.named_tickets}; "
                f"trả kết quả / results handed over: {self.results_handed_over}",
                "Nhóm ưu tiên / Priority groups: "
                + (", ".join(f"{g}: {n}" for g, n in sorted(self.groups.items())) or "-"),
                "Đánh giá theo mức tính / Ratings as counted: "
                + (", ".join(f"{k}: {n}" for k, n in self.counted.items()) or "-"),
                "Lý do chưa hài lòng / Reasons given: "
                + (", ".join(f"{r}: {n}" for r, n in sorted(self.reasons.items())) or "-"),
                f"Số có mã hồ sơ / Tickets with a dossier code: {self.dossiers}",
            ]
        )


class Morning:
    """The script: run in its own thread against a started process."""

    def __init__(
        self, process: Process, sim: Simulation, clock: ScaledClock, minutes: int, seed: int = 7,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """``progress``: called with a line every 10 simulated minutes (``kiosk demo`` prints it)."""
        self.process = process
        self.progress = progress
        self.sim = sim
        self.clock = clock
        self.minutes = minutes
        self.rng = random.Random(seed)
        # Reasons and dossier codes draw from their own generator: the rest of the morning stays as it was.
        self.rng_cases = random.Random(seed + 1)
        self.office = process.office
        assert self.office is not None
        self.config: Config = self.office.config
        self.desks = {c.number: _Desk(c.number) for c in self.config.counters}
        self.frames = 0
        self.transferred = False
        self.grouped = False
        self.dissatisfied = False  # one citizen is scripted to be dissatisfied, and to say why
        self.middle = clock.now() + timedelta(minutes=minutes / 3)  # from when that citizen may come
        self.dossiers = 0
        self.results_due: list[tuple[datetime, str]] = []  # (ready at, number) of results handed over later
        self.later = {s.id for s in self.config.services if s.results_later}
        self.out_board = Path(self.config.store.path).parent / "board"

    def run(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("the demo script failed")
        finally:
            self.process.stop_event.set()

    def _settle(self) -> None:
        """Give the engine a moment to take what was just pressed or typed."""
        time.sleep(0.05)

    def _run(self) -> None:
        start = self.clock.now()
        end = start + timedelta(minutes=self.minutes)
        paper_out_at = start + timedelta(minutes=self.minutes * 0.45)
        paper_back_at = paper_out_at + timedelta(minutes=max(2, self.minutes * 0.08))
        paper_state = "in"
        next_frame = start
        for desk, (_, code, pin) in zip(self.desks.values(), OFFICERS):
            self.sim.type_keys(desk.number, f"**{code}*{pin}E")  # officers sign in with code and PIN
        step = timedelta(seconds=20)
        moment = start
        odd_scans = {start + timedelta(minutes=self.minutes * 0.2): NOT_A_CARD,
                      start + timedelta(minutes=self.minutes * 0.3): self.rng.choice(SAMPLE_CARDS)}
        while moment < end:
            for when in [w for w in odd_scans if w <= moment]:
                self.sim.scan(odd_scans.pop(when))  # ignored with a sound and a board note
            self.clock.sleep_until(moment)
            if paper_state == "in" and moment >= paper_out_at:
                self.sim.set_paper(False)
                paper_state = "out"
            elif paper_state == "out" and moment >= paper_back_at:
                self.sim.set_paper(True)
                paper_state = "back"
            self._arrivals(step)
            self._officers(moment)
            if moment >= next_frame:
                self._save_frame()
                self._report(moment, start)
                next_frame = moment + timedelta(minutes=10)
            moment += step
        self._save_frame()
        self._report(moment, start)

    def _arrivals(self, step: timedelta) -> None:
        for index, service in enumerate(self.config.services):
            rate = ARRIVALS_PER_MINUTE[index % len(ARRIVALS_PER_MINUTE)] * step.total_seconds() / 60
            if self.rng.random() < rate:
                priority = service.priority_allowed and self.rng.random() < PRIORITY_SHARE
                group = "cao_tuoi" if service.priority_allowed and self.rng.random() < GROUP_SHARE else None
                if self.rng.random() < SCAN_SHARE:
                    self.sim.scan(self.rng.choice(SAMPLE_CARDS))  # the citizen's CCCD, then the button
                    self._settle()
                # Gives no number while out of paper.
                self.sim.press_service(service.id, priority=priority, group=group)

    def _officers(self, moment: Any) -> None:
        view = self.office.view()
        counters = {c.number: c for c in view.counters}
        for desk in self.desks.values():
            counter = counters[desk.number]
            if desk.busy_until is not None and moment < desk.busy_until:
                continue
            if counter.results:
                self.sim.type_keys(desk.number, "+")  # the result is handed over: the rating follows
                self._rate(desk.number)
                desk.busy_until = moment + timedelta(minutes=1)
                continue
            # Results are handed over where the citizen can rate (a counter with rating buttons).
            if counter.ticket is None and self.results_due and self.results_due[0][0] <= moment and (
                self.later & set(counter.services)
            ) and self.config.counter(desk.number).rating_buttons:
                _, number = self.results_due.pop(0)
                self.sim.type_keys(desk.number, f"{number}+")  # "your results are ready", by name
                desk.busy_until = moment + timedelta(minutes=1)
                continue
            if counter.ticket is None:
                desk.busy_until = None
                waiting = sum(s.waiting for s in view.services if s.id in counter.services)
                if waiting:
                    self.sim.type_keys(desk.number, "E")  # next
                    desk.recalled = False
                    desk.will_not_come = self.rng.random() < NO_SHOW_SHARE
                    desk.busy_until = moment + timedelta(minutes=1)
                continue
            if desk.will_not_come:
                if not desk.recalled:
                    self.sim.type_keys(desk.number, ".")  # recall
                    desk.recalled = True
                    desk.busy_until = moment + timedelta(minutes=1)
                else:
                    self.sim.type_keys(desk.number, "-")  # no-show
                    desk.will_not_come = False
                continue
            if not self.transferred and len(self.config.services) > 1 and desk.number == 2:
                held = next(t for t in view.queue if t.number == counter.ticket)
                target = next(i for i, s in enumerate(self.config.services, 1) if s.id != held.service)
                self.sim.type_keys(desk.number, f"/{target}E")  # wrong desk: send to another service
                self.transferred = True
                continue
            if desk.holding != counter.ticket:
                desk.holding = counter.ticket
                minutes = self.rng.uniform(3, 12)
                desk.busy_until = moment + timedelta(minutes=minutes)  # serving
                held = next((t for t in view.queue if t.number == counter.ticket), None)
                if not self.grouped and held is not None and held.group is None and not held.priority:
                    self.sim.type_keys(desk.number, "*2E")  # the citizen is ill: priority group 2
                    self.grouped = True
                continue
            held = next((t for t in view.queue if t.number == counter.ticket), None)
            if self.rng_cases.random() < DOSSIER_SHARE:
                self._attach_dossier(desk.number, moment)
            self.sim.type_keys(desk.number, "+")  # complete
            desk.holding = None
            if held is not None and held.service in self.later:
                # Registered now, papers later: no rating yet; the citizen is called back.
                self.results_due.append((moment + timedelta(minutes=RESULTS_AFTER_MINUTES), counter.ticket))
            else:
                self._rate(desk.number)
            desk.busy_until = moment + timedelta(minutes=1)

    def _rate(self, counter: int) -> None:
        """Most citizens press a rating button when asked (where the counter has them); a dissatisfied
        one is then asked why, and most press the button of a reason."""
        self._settle()
        if not self.config.counter(counter).rating_buttons or self.rng.random() >= RATING_SHARE:
            return
        rating = self.config.rating
        level = min(self.rng.choices(range(1, len(RATING_WEIGHTS) + 1), RATING_WEIGHTS)[0], rating.scale)
        scripted = not self.dissatisfied and self.clock.now() >= self.middle
        if scripted:
            level = rating.scale  # the scripted dissatisfied citizen: the worst level
        if rating.counted(level) != "dissatisfied" or not rating.reasons:
            self.sim.press_rating(counter, level)
            return
        # The board and the loudspeaker offer the reasons for a few simulated seconds, at 60x or more a
        # tenth of a real second: less than a simulated press takes (held past the debounce, then
        # released). So the press is released in the background, and the reason's press is posted as
        # the button would post it, as soon as the board asks.
        press = threading.Thread(target=self.sim.press_rating, args=(counter, level), name="demo-rating")
        press.start()
        asked = self._wait(lambda: any(c.reasons for c in self.office.view().counters if c.number == counter))
        if asked and (scripted or self.rng_cases.random() < REASON_SHARE):  # else no answer: the question times out
            self.office.post(RatingPressed(counter, self.rng_cases.randint(1, len(rating.reasons))))
            self.dissatisfied = self._wait(lambda: bool(self.office.view().figures.reasons))
        press.join()

    def _wait(self, done: Callable[[], bool], seconds: float = 1.0) -> bool:
        """Poll ``done`` for up to ``seconds`` of real time."""
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def _attach_dossier(self, counter: int, moment: datetime) -> None:
        """The officer types the digits of the receipt's dossier code (mã hồ sơ) on the keypad: / * digits Enter."""
        self.dossiers += 1
        local = moment.astimezone(self.config.site.tz)
        self.sim.type_keys(counter, f"/*{local:%y%m%d}{self.dossiers:04d}E")  # as of 000.00.31.H47-261124-0001

    def _report(self, moment: datetime, start: datetime) -> None:
        """One progress line: where the morning is and what it came to so far."""
        if self.progress is None:
            return
        figures = self.office.view().figures
        local = moment.astimezone(self.config.site.tz)
        done = round((moment - start).total_seconds() / 60)
        self.progress(f"demo {local:%H:%M} ({done}/{self.minutes} phút/min): đã cấp/issued {figures.issued}, "
                      f"đã phục vụ/served {figures.served}, đang chờ/waiting {figures.waiting}")

    def _save_frame(self) -> None:
        png = self.sim.board_png()
        self.out_board.mkdir(parents=True, exist_ok=True)
        self.frames += 1
        (self.out_board / f"board-{self.frames:03d}.png").write_bytes(png)


def run_demo(
    config: Config, out: Path, minutes: int = 90, speed: float = 60.0, seed: int = 7,
    start: datetime | None = None, progress: Callable[[str], None] | None = None,
) -> Summary:
    """Run the demo morning from ``start`` (default Tuesday 24 November 2026, 07:30); write everything
    under ``out``; return the summary. ``progress`` gets a line at the start and every 10 simulated minutes."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    config = simulated_config(config, out, pages=False)  # headless: no pages
    credentials = out / "credentials.json"  # the demo's officers only, never the office's file
    config = config.model_copy(update={
        "board": config.board.model_copy(update={"frames_dir": None}),
        "web": config.web.model_copy(update={"credentials_file": str(credentials)}),
    })
    for (name, code, pin), _ in zip(OFFICERS, config.counters):
        status, text = add_officer(credentials, code, name, pin)
        if status != 0:
            raise RuntimeError(text)
    pair_keypads(config)
    clock = ScaledClock(start or weekday_morning(config.site.tz), speed)
    if progress is not None:
        progress(f"demo: {minutes} phút mô phỏng/simulated minutes from "
                 f"{clock.now().astimezone(config.site.tz):%Y-%m-%d %H:%M}, {speed:g}x "
                 f"(about {minutes * 60 / speed:.0f} s); files under {out}")
    process = Process(config, None, clock, simulate=True)
    process.start()
    morning = Morning(process, process.office.simulation, clock, minutes, seed, progress)
    script = threading.Thread(target=morning.run, name="demo-script", daemon=True)
    script.start()
    process.run()
    script.join(timeout=10)
    view = process.office.view()
    store_events = _count_events(Path(config.store.path))
    figures = view.figures
    summary = Summary(
        minutes=minutes,
        issued=figures.issued,
        served=figures.served,
        no_shows=figures.no_shows,
        waiting_at_end=figures.waiting,
        mean_wait_min=figures.mean_wait_min,
        p90_wait_min=figures.p90_wait_min,
        mean_service_min=figures.mean_service_min,
        satisfaction=figures.satisfaction,
        ratings=list(figures.ratings),
        presses_refused_without_paper=store_events.get("refused", 0),
        named_tickets=store_events.get("named", 0),
        results_handed_over=store_events.get("handed_over", 0),
        groups={k[6:]: v for k, v in store_events.items() if k.startswith("group:")},
        counted=dict(figures.counted),
        reasons=dict(figures.reasons),
        dossiers=figures.dossiers,
        tickets_printed=len(list((out / "printer").glob("ticket-*.png"))),
        board_frames=morning.frames,
        announcements=_announcements(out / "speaker"),
        files={"tickets": "printer/", "board": "board/", "announcements": "speaker/", "store": "kiosk.db"},
    )
    (out / "summary.json").write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "summary.txt").write_text(summary.text() + "\n", encoding="utf-8")
    return summary


def _announcements(folder: Path) -> int:
    """The announcements written by the simulated loudspeaker (not the scan tones)."""
    texts = (p.with_suffix(".txt") for p in folder.glob("announce-*.wav"))
    return sum(1 for t in texts if not (t.is_file() and t.read_text(encoding="utf-8").startswith("(tone")))


def _count_events(path: Path) -> dict[str, int]:
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        refused = connection.execute(
            "SELECT COUNT(*) FROM events WHERE type = 'device_status' AND payload LIKE '%press refused%'"
        ).fetchone()[0]
        named = connection.execute("SELECT COUNT(*) FROM tickets WHERE named = 1").fetchone()[0]
        handed = connection.execute("SELECT COUNT(*) FROM events WHERE type = 'results_handed_over'").fetchone()[0]
        groups = connection.execute("SELECT grp, COUNT(*) FROM tickets WHERE grp IS NOT NULL GROUP BY grp").fetchall()
    finally:
        connection.close()
    return {"refused": refused, "named": named, "handed_over": handed, **{f"group:{g}": n for g, n in groups}}
