"""Benchmark: a province at national scale on PostgreSQL (issue 13).

1. **Load**, through the real ingest path (``POST /api/v1/events`` to a
   ``kiosk-central serve`` subprocess): ``--offices`` offices x ``--days`` days of
   events shaped like ``kiosk demo``'s (see :class:`OfficeDays`), one enrolled
   kiosk per office, 50 kiosks posting at a time, batches of 1,000, each kiosk in
   ``seq`` order. The loaded database is kept as ``central_scale_<offices>x<days>x<tickets>``
   and reused while complete; an interrupted load resumes where each kiosk's
   ``acked_seq`` says (``--fresh`` drops it and loads again; ``--no-reuse`` loads a
   scratch database dropped at the end).
2. **Timing**, on a server of ``--workers`` processes that keeps no figures
   (``[pages] figures_max_age_seconds = 0``: each request computes its page),
   signed in as the director and as one unit's leader: the ranking for a quarter,
   the overview, one unit's page for a month and for a year, and the unit's
   quarter report (XLSX); each ``--repeat`` times, p50/p99. The periods are those
   of the last loaded day.
3. **Ingest under read load**, on a server with the default settings (each page's
   figures kept 5 s, ``central.recent``; ``--figures-max-age S``: S seconds): 50
   more kiosks post ``--live-events`` new events each while 4 threads keep reading
   the pages, each the next page at once (``--read-pause S``: S seconds between a
   reader's pages); events/s.
4. **Memory**: the peak resident memory of each server's processes.

Each figure is printed against its target (issue 13): pages p99 <= 300 ms, the
quarter export <= 5 s, ingest >= 10,000 events/s, central's memory < 500 MB; with
the data size and the machine.

    python bench/bench_central_scale.py [--offices 200] [--days 365] [--tickets-per-day 122]
        [--repeat 30] [--workers 2] [--read-pause 0] [--figures-max-age S] [--fresh | --no-reuse] [--load-only]
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_central_common import (  # noqa: E402
    PG_ADMIN, ROOT, add_user, cli, drop_pg, enroll, free_port, process_tree,
)
from benchlib import machine, percentile  # noqa: E402
from central.settings import Pages  # noqa: E402
from kiosk.ids import time_ordered_uuid  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SECOND = 1_000_000
MINUTE = 60 * SECOND
#: No kiosk event may be older (central.times.PRODUCT_EPOCH_US): the live kiosks' days must stay after it.
PRODUCT_EPOCH = date(2025, 1, 1)
#: The live kiosks post days this far before the loaded ones, so that the timed periods keep the loaded figures.
LIVE_DAYS_BEFORE = 14

# -- what an office looks like (the demo's proportions: kiosk/demo.py and config/demo.toml) --

#: Services in the order an office has them, with their share of arrivals (the demo's, plus ID cards).
SERVICES = (("oto", 0.45), ("xemay", 0.8), ("vipham", 0.3), ("cccd", 0.35))
#: Registration papers handed over later: the citizen is called back (the results flow), then rates.
RESULTS_LATER = {"oto"}
#: Open Monday to Friday only; the others also on Saturday. Nothing opens on Sunday.
WEEKDAYS_ONLY = {"vipham"}
OPENING = ((7, 30), (11, 30)), ((13, 30), (17, 0))
#: Citizens who come in the morning (the rest in the afternoon); the morning's crowd peaks soon after opening.
MORNING_SHARE = 0.7
#: The kiosk's default four-level scale: (label, counted as).
LEVELS = (("Rất hài lòng", "very_satisfied"), ("Hài lòng", "satisfied"), ("Bình thường", "satisfied"),
          ("Không hài lòng", "dissatisfied"))
REASONS = (("thai_do", "Thái độ cán bộ"), ("thoi_gian_cho", "Thời gian chờ"), ("huong_dan", "Hướng dẫn chưa rõ"),
           ("khac", "Khác"))
PRIORITY_SHARE, GROUP_SHARE, SCAN_SHARE = 0.12, 0.06, 0.4
NO_SHOW_SHARE, REACTIVATED_SHARE, TRANSFER_SHARE, GROUP_SET_SHARE = 0.06, 0.25, 0.02, 0.01
STARTED_SHARE, DOSSIER_SHARE, RATING_SHARE, REASON_SHARE = 0.7, 0.8, 0.85, 0.7
RESULTS_RECALLED_SHARE, RESULTS_NO_SHOW_SHARE, RESULTS_EXPIRED_SHARE = 0.1, 0.05, 0.03
RESULTS_KEEP_DAYS = 7
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc", "Đức", "Hữu")
GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hải", "Hoa", "Khánh", "Lan", "Long", "Mai", "Nam", "Phương",
         "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Vy", "Yến")
PROVINCES = ("Lâm Đồng", "Đắk Lắk", "Khánh Hòa", "Gia Lai", "Bình Định", "Quảng Nam", "Nghệ An", "Thanh Hóa")

# -- the bench's users and pages --

DIRECTOR, LEADER = "scale-director", "scale-leader"
PASSWORD = "scale-bench-password"  # a local benchmark database on loopback only
READ_THREADS = 4
PAGE_P99_MS, EXPORT_S, INGEST_PER_S, MEMORY_MB = 300, 5.0, 10_000, 500
SUMMARY_TABLES = ("ticket_facts", "day_figures", "day_reasons", "day_hours", "site_days")


def site_code(index: int) -> str:
    return f"scale-{index:04d}"


def _local_us(day: date, hour: int, minute: int) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).timestamp()) * SECOND


@cache
def _utc_date(days: int) -> str:
    return (EPOCH + timedelta(days=days)).date().isoformat()


def _iso(us: int) -> str:
    """Microseconds since 1970 as the kiosk writes times (RFC 3339, UTC; by hand: millions of them)."""
    seconds, micro = divmod(us, SECOND)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_utc_date(days)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}+00:00"


# -- the synthetic offices --------------------------------------------------------------


@dataclass
class OfficePlan:
    """What an office has: its services, counters (with the services each serves) and officers."""

    index: int
    services: list[str]
    weights: list[float]
    counters: dict[int, list[str]]
    officers: dict[int, str]
    names: dict[str, str]
    dissatisfied: float  # the office's share of "Không hài lòng", so that offices differ

    @classmethod
    def make(cls, seed: int, index: int) -> OfficePlan:
        """Office ``index``'s plan, the same for the same seed: 2-4 services, 4-12 counters."""
        rng = random.Random(f"{seed}:plan:{index}")
        chosen = SERVICES[: rng.randint(2, 4)]
        services = [s for s, _ in chosen]
        counters: dict[int, list[str]] = {}
        for number in range(1, rng.randint(4, 12) + 1):
            served = [services[(number - 1) % len(services)]]
            if rng.random() < 0.3:
                served.append(rng.choice([s for s in services if s not in served]))
            counters[number] = served
        officers = {number: str(100 + number) for number in counters}
        names = {code: f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for code in officers.values()}
        return cls(index, services, [w for _, w in chosen], counters, officers, names, rng.uniform(0.02, 0.15))


@dataclass
class _Ticket:
    id: str
    service: str
    number: int
    issued_us: int
    named: bool
    group: str | None
    priority: bool
    queue_seq: int
    returned: bool = False
    transferred: bool = False
    announced: bool = False


@dataclass
class _Result:
    id: str
    day: str
    display: str
    service: str
    named: bool


@dataclass
class _Day:
    """One day's work in progress: the events so far and what each counter is doing."""

    day: date
    events: list[tuple[int, int, str, dict[str, Any]]] = field(default_factory=list)
    free_at: dict[int, int] = field(default_factory=dict)
    calls: dict[str, list[int]] = field(default_factory=dict)  # per service: the call times of tickets issued
    jobs: list[tuple[int, int, Any]] = field(default_factory=list)  # (time, order, _Ticket | _Result)
    order: int = 0

    def add(self, us: int, kind: str, data: dict[str, Any]) -> None:
        self.order += 1
        data["at"] = _iso(us)
        self.events.append((us, self.order, kind, data))

    def job(self, us: int, item: Any) -> None:
        self.order += 1
        heapq.heappush(self.jobs, (us, self.order, item))


class OfficeDays:
    """The events one office's kiosk writes, day after day, as ``kiosk demo``'s (deterministic from the seed).

    Citizens arrive over the opening hours (07:30-11:30, 13:30-17:00 in
    Asia/Ho_Chi_Minh, Monday to Saturday; one service Monday to Friday only). Each
    ticket is called by the counter serving its service that is free first, then
    served 3-12 minutes: some no-shows (a quarter of them come back), transfers, a
    priority group set at the counter, a dossier code on most, the rating window
    and most citizens' rating (with a reason after most "Không hài lòng"). The
    "results later" service's citizens are called back when the result is ready
    (the same day, else the next), collect it and rate then; a few never come.
    """

    def __init__(self, seed: int, index: int, tickets_per_day: int, salt: str = "load") -> None:
        self.plan = OfficePlan.make(seed, index)
        self.rng = random.Random(f"{seed}:{salt}:{index}")
        self.tickets_per_day = tickets_per_day
        self.salt = salt
        self.carried: list[_Result] = []  # results ready after closing: called back the next open day
        self.expiring: list[tuple[date, str]] = []  # results never collected: expire after the keep days

    def _id(self, us: int) -> str:
        """The id a kiosk makes at time ``us`` (kiosk.ids), its random part from the office's generator."""
        return time_ordered_uuid(us // 1000, self.rng.getrandbits(74))

    def events(self, first: date, last: date) -> Iterator[dict[str, Any]]:
        """Every event of days ``first``..``last`` in the kiosk's ``seq`` order, numbered from 1."""
        seq = 0
        day = first
        while day <= last:
            boot_us = _local_us(day, 6, 55)  # the kiosk boots each morning: one boot a day, its clock synchronised
            boot = f"{self.salt}-{self.plan.index:04d}-{day:%Y%m%d}"
            mono = 0
            for us, _, kind, data in sorted(self.day(day)):
                seq += 1
                mono = max(mono + 1, (us - boot_us) * 1000)
                yield {"seq": seq, "uuid": self._id(us), "type": kind, "payload": data, "wall_time": data["at"],
                       "mono_ns": mono, "boot_id": boot, "clock_synced": True}
            day += timedelta(days=1)

    def day(self, day: date) -> list[tuple[int, int, str, dict[str, Any]]]:
        """One day's events, unordered: (time in µs, order, type, payload)."""
        if day.weekday() == 6:
            return []
        rng, plan = self.rng, self.plan
        d = _Day(day)
        opened = _local_us(day, 7, 0)
        d.add(opened, "day_started", {"day": day.isoformat()})
        for _, ticket_id in [e for e in self.expiring if e[0] <= day]:
            d.add(opened + SECOND, "results_expired", {"ticket_id": ticket_id})
        self.expiring = [e for e in self.expiring if e[0] > day]
        for number, officer in plan.officers.items():
            d.add(_local_us(day, 7, 20) + number * 20 * SECOND, "officer_signed_in", {"counter": number, "officer": officer})
            d.free_at[number] = _local_us(day, 7, 30)
        for result in self.carried:
            d.job(_local_us(day, 7, 30) + int(rng.uniform(0, 60) * MINUTE), result)
        self.carried = []

        open_services = [s for s in plan.services if not (day.weekday() == 5 and s in WEEKDAYS_ONLY)]
        weights = [w for s, w in zip(plan.services, plan.weights) if s in open_services]
        spans = [(_local_us(day, *a), _local_us(day, *b)) for a, b in OPENING]
        numbers = {s: 1000 * (k + 1) for k, s in enumerate(plan.services)}
        count = max(1, round(self.tickets_per_day * rng.uniform(0.8, 1.2)))
        for queue_seq, at in enumerate(sorted(self._arrival(spans) for _ in range(count)), 1):
            service = rng.choices(open_services, weights)[0]
            numbers[service] += 1
            group = "cao_tuoi" if rng.random() < GROUP_SHARE else None
            d.job(at, _Ticket(self._id(at), service, numbers[service], at, rng.random() < SCAN_SHARE, group,
                              rng.random() < PRIORITY_SHARE, queue_seq))
        last_call = spans[1][1] + 30 * MINUTE
        while d.jobs:
            at, _, item = heapq.heappop(d.jobs)
            service = item.service
            counter = min((c for c, served in plan.counters.items() if service in served), key=lambda c: d.free_at[c])
            start = max(at + 30 * SECOND, d.free_at[counter])
            if spans[0][1] <= start < spans[1][0]:
                start = spans[1][0] + int(rng.uniform(0, 5) * MINUTE)  # lunch: the counters reopen at 13:30
            if isinstance(item, _Ticket):
                self._issue(d, item, start)
                if start <= last_call:
                    self._serve(d, item, counter, start)
                else:
                    d.add(last_call, "ticket_expired", {"ticket_id": item.id})
            elif start <= last_call:
                self._hand_over(d, item, counter, start)
            else:
                self.carried.append(item)
        return d.events

    def _arrival(self, spans: list[tuple[int, int]]) -> int:
        """When a citizen takes a ticket: most in the morning, crowding after the doors open."""
        (morning, noon), (afternoon, close) = spans
        if self.rng.random() < MORNING_SHARE:
            return morning + int(self.rng.triangular(0, noon - morning, (noon - morning) * 0.2))
        return afternoon + self.rng.randrange(close - afternoon)

    def _issue(self, d: _Day, t: _Ticket, call_us: int) -> None:
        """The ticket's issue (once, even when it comes back to the queue): with its wait as announced."""
        if t.announced:
            return
        t.announced = True
        calls = d.calls.setdefault(t.service, [])
        ahead = sum(1 for c in calls if c > t.issued_us)
        calls.append(call_us)
        d.add(t.issued_us, "ticket_issued", {
            "ahead": ahead, "day": d.day.isoformat(), "display": str(t.number), "group": t.group, "named": t.named,
            "number": t.number, "priority": t.priority, "queue_seq": t.queue_seq, "service": t.service,
            "ticket_id": t.id, "wait_minutes": max(0, round((call_us - t.issued_us) / MINUTE)),
        })
        d.add(t.issued_us + int(1.5 * SECOND), "ticket_printed", {"ok": True, "reason": "", "ticket_id": t.id})

    def _serve(self, d: _Day, t: _Ticket, counter: int, at: int) -> None:
        rng = self.rng
        officer = self.plan.officers[counter]
        d.add(at, "ticket_called", {"by_number": False, "counter": counter, "officer": officer, "ticket_id": t.id})
        if not t.returned and rng.random() < NO_SHOW_SHARE:
            d.add(at + MINUTE, "ticket_recalled", {"counter": counter, "recalls": 1, "ticket_id": t.id})
            d.add(at + 2 * MINUTE, "ticket_no_show", {"counter": counter, "reason": "officer", "ticket_id": t.id})
            d.free_at[counter] = at + 2 * MINUTE
            if rng.random() < REACTIVATED_SHARE:  # the citizen comes back: the ticket returns to the queue
                back = at + int(rng.uniform(10, 30) * MINUTE)
                d.add(back, "ticket_reactivated", {"counter": None, "ticket_id": t.id})
                t.returned = True
                d.job(back, t)
            return
        others = [s for s in self.plan.services if s != t.service]
        if not t.transferred and others and rng.random() < TRANSFER_SHARE:  # wrong desk: sent to another service
            target = rng.choice(others)
            d.add(at + MINUTE, "ticket_transferred", {"counter": counter, "from_service": t.service,
                                                      "queue_seq": t.queue_seq, "ticket_id": t.id, "to_service": target})
            t.service, t.transferred = target, True
            d.free_at[counter] = at + MINUTE
            if any(target in served for served in self.plan.counters.values()):
                d.job(at + MINUTE, t)
            return
        started = at + int(rng.uniform(20, 60) * SECOND)
        if rng.random() < STARTED_SHARE:
            d.add(started, "service_started", {"counter": counter, "ticket_id": t.id})
        if t.group is None and rng.random() < GROUP_SET_SHARE:
            d.add(started + 5 * SECOND, "ticket_group_set", {"counter": counter, "group": "benh", "ticket_id": t.id})
        done = started + int(rng.uniform(3, 12) * MINUTE)
        if rng.random() < DOSSIER_SHARE:
            code = f"000.00.{self.plan.index % 100:02d}.H47-{d.day:%y%m%d}-{t.queue_seq:04d}"
            source = "keypad" if rng.random() < 0.6 else "scanner"
            d.add(done - int(rng.uniform(5, 60) * SECOND), "dossier_attached", {
                "code": code, "counter": counter, "day": d.day.isoformat(), "officer": officer,
                "service": t.service, "source": source, "ticket_id": t.id,
            })
        data: dict[str, Any] = {"counter": counter, "officer": officer, "ticket_id": t.id}
        d.free_at[counter] = done + MINUTE
        if t.service not in RESULTS_LATER:
            d.add(done, "ticket_completed", data)
            self._rate(d, counter, t.id, t.service, officer, done)
            return
        keep = d.day + timedelta(days=RESULTS_KEEP_DAYS)
        d.add(done, "ticket_completed", {**data, "keep_until": keep.isoformat(), "results_later": True})
        result = _Result(t.id, d.day.isoformat(), str(t.number), t.service, t.named)
        if rng.random() < RESULTS_EXPIRED_SHARE:
            self.expiring.append((keep + timedelta(days=1), t.id))
        else:
            d.job(done + int(rng.uniform(15, 240) * MINUTE), result)

    def _hand_over(self, d: _Day, r: _Result, counter: int, at: int) -> None:
        """A result called back, then (mostly) handed over and rated."""
        rng = self.rng
        officer = self.plan.officers[counter]
        d.add(at, "results_called", {"counter": counter, "day": r.day, "display": r.display, "named": r.named,
                                     "officer": officer, "service": r.service, "ticket_id": r.id})
        if rng.random() < RESULTS_RECALLED_SHARE:
            at += MINUTE
            d.add(at, "results_recalled", {"counter": counter, "recalls": 1, "ticket_id": r.id})
        if rng.random() < RESULTS_NO_SHOW_SHARE:
            d.add(at + MINUTE, "results_no_show", {"counter": counter, "reason": "officer", "ticket_id": r.id})
            d.free_at[counter] = at + MINUTE
            return
        handed = at + int(rng.uniform(1, 2) * MINUTE)
        d.add(handed, "results_handed_over", {"counter": counter, "officer": officer, "ticket_id": r.id})
        d.free_at[counter] = handed + MINUTE
        self._rate(d, counter, r.id, r.service, officer, handed)

    def _rate(self, d: _Day, counter: int, ticket_id: str, service: str, officer: str, at: int) -> None:
        """The rating window after a service or a hand-over: a press (most), and a reason after most dissatisfied."""
        rng = self.rng
        d.add(at, "rating_window_opened", {"counter": counter, "ticket_id": ticket_id, "until": _iso(at + 30 * SECOND)})
        if rng.random() >= RATING_SHARE:
            d.add(at + 30 * SECOND, "rating_window_closed", {"counter": counter, "reason": "timeout"})
            return
        bad = self.plan.dissatisfied
        level = rng.choices((1, 2, 3, 4), (0.6 - bad / 2, 0.3 - bad / 2, 0.1, bad))[0]
        label, counted = LEVELS[level - 1]
        pressed = at + int(rng.uniform(2, 20) * SECOND)
        d.add(pressed, "rating_recorded", {"counted": counted, "counter": counter, "day": d.day.isoformat(),
                                           "label": label, "level": level, "officer": officer, "scale": len(LEVELS),
                                           "service": service, "ticket_id": ticket_id})
        d.add(pressed, "rating_window_closed", {"counter": counter, "reason": "rated"})
        if counted != "dissatisfied":
            return
        d.add(pressed, "rating_reason_window_opened", {"counter": counter, "ticket_id": ticket_id,
                                                       "until": _iso(pressed + 10 * SECOND)})
        if rng.random() < REASON_SHARE:
            answered = pressed + int(rng.uniform(2, 8) * SECOND)
            reason, text = rng.choice(REASONS)
            d.add(answered, "rating_reason_recorded", {"counter": counter, "day": d.day.isoformat(), "label": text,
                                                       "officer": officer, "reason": reason, "service": service,
                                                       "ticket_id": ticket_id})
            d.add(answered, "rating_reason_window_closed", {"counter": counter, "reason": "answered"})
        else:
            d.add(pressed + 10 * SECOND, "rating_reason_window_closed", {"counter": counter, "reason": "timeout"})


# -- the kept database --------------------------------------------------------------------


@dataclass
class Kept:
    """The loaded database's own record of its load, kept as the database's comment (JSON)."""

    seed: int
    first_day: str
    last_day: str
    tickets_per_day: int
    done: list[int] = field(default_factory=list)  # offices whose every event is acknowledged
    complete: bool = False
    events: int = 0  # events acknowledged, over every session of the load
    seconds: float = 0.0  # the load's elapsed time, over every session

    @classmethod
    def read(cls, name: str) -> Kept | None:
        with psycopg.connect(PG_ADMIN) as conn:
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               (name,)).fetchone()
        if row is None or not row[0]:
            return None
        try:
            return cls(**json.loads(row[0]))
        except (ValueError, TypeError):
            return None

    def write(self, name: str) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(asdict(self)))))


def database_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def prepare(name: str, args: argparse.Namespace) -> tuple[str, Kept]:
    """The database to load into (created, migrated and given its sites and users if new), and its record."""
    db_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    if args.fresh and database_exists(name):
        print(f"dropping {name} (--fresh)")
        drop_pg(name)
    kept = Kept.read(name) if database_exists(name) else None
    if kept is None:
        if database_exists(name):
            drop_pg(name)  # created but never described: interrupted before anything was loaded
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        cli(db_url, "migrate")
        last = datetime.now(TZ).date() - timedelta(days=1)
        kept = Kept(args.seed, (last - timedelta(days=args.days - 1)).isoformat(), last.isoformat(), args.tickets_per_day)
        kept.write(name)
    elif kept.seed != args.seed:
        raise SystemExit(f"{name} was loaded with --seed {kept.seed}: use that seed, or --fresh to load it again")
    with psycopg.connect(db_url) as conn:
        codes = {row[0] for row in conn.execute("SELECT code FROM sites")}
        users = {row[0] for row in conn.execute("SELECT username FROM users")}
    missing = [i for i in range(args.offices) if site_code(i) not in codes]
    with ThreadPoolExecutor(4) as pool:  # a CLI call is a Python start-up: a few at a time
        list(pool.map(lambda i: cli(db_url, "add-site", site_code(i), f"Bộ phận Một cửa số {i + 1}",
                                    "--province", PROVINCES[i % len(PROVINCES)]), missing))
    if DIRECTOR not in users:
        add_user(db_url, DIRECTOR, PASSWORD, "director")
    if LEADER not in users:
        add_user(db_url, LEADER, PASSWORD, "leader", site_code(0))
    return db_url, kept


# -- posting --------------------------------------------------------------------------------


class Poster:
    """One kiosk's uploads: batches in ``seq`` order, retried while the server is busy or unreachable."""

    def __init__(self, url: str, device: dict[str, Any]) -> None:
        self.device = device
        self.client = httpx.Client(base_url=url, timeout=300,
                                   headers={"Authorization": f"Bearer {device['token']}", "Content-Type": "application/json"})

    def post(self, body: bytes) -> dict[str, Any]:
        for attempt in range(6):
            try:
                answer = self.client.post("/api/v1/events", content=body)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code == 200:
                return answer.json()
            if answer is not None and answer.status_code not in (429, 502, 503, 504):
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
            time.sleep(2 ** attempt)
        raise RuntimeError("the server did not take a batch after 6 attempts")

    def acked(self) -> int:
        """The server's ``acked_seq`` for this kiosk (an empty batch asks for it)."""
        return self.post(json.dumps({"device_id": self.device["device_id"], "events": []}).encode())["acked_seq"]

    def batches(self, events: Iterator[dict[str, Any]], size: int) -> Iterator[tuple[bytes, int, int]]:
        """Request bodies of ``size`` events: (body, number of events, last seq)."""
        batch: list[dict[str, Any]] = []
        for event in events:
            batch.append(event)
            if len(batch) == size:
                yield self._body(batch), len(batch), batch[-1]["seq"]
                batch = []
        if batch:
            yield self._body(batch), len(batch), batch[-1]["seq"]

    def _body(self, events: list[dict[str, Any]]) -> bytes:
        return json.dumps({"device_id": self.device["device_id"], "events": events}, ensure_ascii=False).encode()

    def close(self) -> None:
        self.client.close()


def enrol_all(url: str, db_url: str, sites: list[str], serial: Callable[[int], str]) -> list[dict[str, Any]]:
    """Enrol one kiosk per site (the same serial again keeps its device id and events, with a new token)."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda i: enroll(url, db_url, sites[i], serial(i)), range(len(sites))))


def heartbeat(url: str, device: dict[str, Any], names: dict[str, str]) -> None:
    """The kiosk's heartbeat with its officers' names (central shows officers by name)."""
    officers = [{"code": code, "name": name} for code, name in names.items()]
    httpx.post(f"{url}/api/v1/heartbeat", json={"officers": officers, "clock_synced": True, "software_version": "bench"},
               headers={"Authorization": f"Bearer {device['token']}"}, timeout=60)


def serve(db_url: str, workers: int, log: Path, config: Path | None = None,
          wait_s: float = 180) -> tuple[subprocess.Popen, str]:
    """``kiosk-central serve`` (with the settings file ``config``, else the defaults) in its own process
    group, its output in ``log``; waits until it answers.

    (bench_central_common.start_server gives up after 30 s: on a busy machine two
    workers take longer to start, and its stderr pipe would fill over a long load.)
    """
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port), "--workers", str(workers),
             *(["--config", str(config)] if config else [])],
            cwd=ROOT, stdout=out, stderr=out, start_new_session=True,
            env={**{k: v for k, v in os.environ.items() if k != "KIOSK_CENTRAL_CONFIG"}, "PYTHONPATH": str(ROOT)},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # the workers too
    proc.wait()
    raise RuntimeError(f"the server did not answer within {wait_s:.0f} s: see {log}")


def pages_settings(path: Path, max_age_s: float) -> Path:
    """A central settings file at ``path`` that keeps a page's figures ``max_age_s`` seconds."""
    path.write_text(f"[pages]\nfigures_max_age_seconds = {max_age_s:g}\n")
    return path


def stop(proc: subprocess.Popen) -> None:
    """Stop the server (its workers finish their requests); kill the whole group if it takes a minute."""
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def load(name: str, db_url: str, kept: Kept, args: argparse.Namespace, log: Path) -> None:
    """Post every office's events not yet acknowledged; record each office done, and the load complete."""
    todo = [i for i in range(args.offices) if i not in set(kept.done)]
    first, last = date.fromisoformat(kept.first_day), date.fromisoformat(kept.last_day)
    if not todo:
        kept.complete = True
        kept.write(name)
        return
    print(f"load: {len(todo)} of {args.offices} offices to post ({first} to {last}, about "
          f"{args.tickets_per_day} tickets a day); the server's errors go to {log}")
    print(f"PostgreSQL settings: {pg_settings(db_url)}")
    proc, url = serve(db_url, args.workers, log)
    lock = threading.Lock()
    halt = threading.Event()
    errors: list[str] = []
    posted = [0]
    start = time.perf_counter()
    try:
        devices = dict(zip(todo, enrol_all(url, db_url, [site_code(i) for i in todo],
                                           lambda k: f"scale-kiosk-{todo[k]:04d}")))

        def office(index: int) -> None:
            if halt.is_set():
                return
            poster = Poster(url, devices[index])
            days = OfficeDays(kept.seed, index, kept.tickets_per_day)
            try:
                acked = poster.acked()
                stream = (e for e in days.events(first, last) if e["seq"] > acked)
                for body, n, top in poster.batches(stream, args.batch):
                    if halt.is_set():
                        return
                    answer = poster.post(body)
                    if answer["rejected"] or answer["acked_seq"] != top:
                        raise RuntimeError(f"batch up to seq {top}: acked {answer['acked_seq']}, "
                                           f"rejected {answer['rejected'][:2]}, gaps {answer['gaps'][:2]}")
                    with lock:
                        posted[0] += n
                heartbeat(url, devices[index], days.plan.names)
                with lock:
                    kept.done.append(index)
                    kept.write(name)
            except Exception as exc:  # noqa: BLE001 - reported; the load stops, to be resumed
                with lock:
                    errors.append(f"office {index}: {exc}")
                halt.set()
            finally:
                poster.close()

        start = time.perf_counter()
        reported = start
        with ThreadPoolExecutor(args.devices) as pool:
            futures = [pool.submit(office, i) for i in todo]
            try:
                while not all(f.done() for f in futures):
                    time.sleep(1)
                    if time.perf_counter() - reported >= 30:
                        reported = time.perf_counter()
                        print(f"  {posted[0]:,} events in {reported - start:,.0f} s "
                              f"({posted[0] / (reported - start):,.0f} events/s); "
                              f"{len(kept.done)}/{args.offices} offices done", flush=True)
            except KeyboardInterrupt:
                halt.set()
                print("interrupted: the next run resumes where each kiosk's acked_seq says")
                raise
    finally:
        elapsed = time.perf_counter() - start
        with lock:
            kept.events += posted[0]
            kept.seconds += elapsed
            kept.write(name)
        stop(proc)
    print(f"load (this session): {posted[0]:,} events in {elapsed:,.1f} s = {posted[0] / elapsed:,.0f} events/s "
          f"({args.devices} kiosks at a time, batches of {args.batch}, {args.workers} server processes)")
    if errors:
        raise SystemExit("load stopped: " + "; ".join(errors[:3]) + " (run again to resume)")
    kept.complete = len(set(kept.done)) >= args.offices
    kept.write(name)


# -- timing ------------------------------------------------------------------------------------


def signed_in(url: str, username: str) -> httpx.Client:
    """A browser's session: the sign-in form, then its POST with the form's CSRF token."""
    client = httpx.Client(base_url=url, timeout=120)
    client.get("/login").raise_for_status()
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": client.cookies.get("kc_login", "")})
    if answer.status_code != 303 or answer.headers.get("location") != "/":
        raise RuntimeError(f"{username} could not sign in: {answer.status_code} {answer.headers.get('location')}")
    return client


def pages(code: str, day: date) -> list[tuple[str, str]]:
    """The timed pages: (name, path)."""
    d = day.isoformat()
    return [("ranking, quarter", f"/ranking?period=quarter&day={d}"), ("overview", "/"),
            ("unit page, month", f"/sites/{code}?period=month&day={d}"),
            ("unit page, year", f"/sites/{code}?period=year&day={d}")]


def export_path(code: str, day: date) -> str:
    return f"/sites/{code}/report.xlsx?period=quarter&day={day.isoformat()}"


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[list[float], int]:
    """``repeat`` timed GETs of ``path`` after two untimed ones (one per server process, most likely)."""
    status = 200
    for _ in range(2):
        status = client.get(path).status_code
    if status != 200:
        return [], status
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - t0)
        if answer.status_code != 200:
            return [], answer.status_code
    return times, 200


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def page_line(role: str, name: str, times: list[float], status: int) -> None:
    if not times:
        print(f"  {role:8} {name:22} HTTP {status}: not timed")
        return
    p50, p99 = percentile(times, 50) * 1000, percentile(times, 99) * 1000
    print(f"  {role:8} {name:22} p50 {p50:6.0f} ms  p99 {p99:6.0f} ms  (target p99 <= {PAGE_P99_MS} ms: "
          f"{verdict(p99 <= PAGE_P99_MS)})")


def time_pages(url: str, code: str, day: date, args: argparse.Namespace) -> None:
    print(f"pages ({args.repeat} times each after 2 untimed; periods of {day}; unit {code}):")
    for role, username in (("director", DIRECTOR), ("leader", LEADER)):
        with closing(signed_in(url, username)) as client:
            for name, path in pages(code, day):
                page_line(role, name, *timed(client, path, args.repeat))
            repeat = args.export_repeat or args.repeat
            first = client.get(export_path(code, day))
            if first.status_code == 404:
                print(f"  {role:8} {'quarter export (XLSX)':22} not available (no report.xlsx on this server)")
                continue
            times, status = timed(client, export_path(code, day), repeat)
            if not times:
                print(f"  {role:8} {'quarter export (XLSX)':22} HTTP {status}: not timed")
                continue
            p50, p99 = percentile(times, 50), percentile(times, 99)
            print(f"  {role:8} {'quarter export (XLSX)':22} p50 {p50:6.2f} s   p99 {p99:6.2f} s   "
                  f"({repeat} times; target <= {EXPORT_S:g} s: {verdict(p99 <= EXPORT_S)})")


def live_ingest(url: str, db_url: str, kept: Kept, code: str, args: argparse.Namespace) -> None:
    """50 more kiosks post new events while 4 signed-in readers keep reading the pages."""
    count = min(args.devices, args.offices)
    run = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    devices = enrol_all(url, db_url, [site_code(i) for i in range(count)], lambda i: f"scale-live-{i:02d}")
    start_day = date.fromisoformat(kept.first_day) - timedelta(days=LIVE_DAYS_BEFORE)
    bodies: list[list[tuple[bytes, int, int]]] = []
    for i, device in enumerate(devices):
        poster = Poster(url, device)
        acked = poster.acked()  # a live kiosk of an earlier run continues its seq
        days = OfficeDays(kept.seed, i, kept.tickets_per_day, salt=f"live{run}")
        stream = days.events(start_day, date.fromisoformat(kept.first_day) - timedelta(days=1))
        events = [{**e, "seq": e["seq"] + acked} for _, e in zip(range(args.live_events), stream)]
        bodies.append(list(poster.batches(iter(events), args.batch)))
        poster.close()
    total = sum(n for b in bodies for _, n, _ in b)
    readers = [signed_in(url, DIRECTOR) for _ in range(READ_THREADS)]
    paths = [p for _, p in pages(code, date.fromisoformat(kept.last_day))]
    halt = threading.Event()
    reads: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def read(client: httpx.Client, offset: int) -> None:
        k = offset
        while not halt.is_set():
            t0 = time.perf_counter()
            status = client.get(paths[k % len(paths)]).status_code
            with lock:
                reads.append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"read {paths[k % len(paths)]}: HTTP {status}")
            k += 1
            halt.wait(args.read_pause)  # 0 (the default): the next page at once

    def post(i: int) -> None:
        poster = Poster(url, devices[i])
        try:
            for body, _, top in bodies[i]:
                answer = poster.post(body)
                if answer["acked_seq"] != top:
                    with lock:
                        errors.append(f"live kiosk {i}: acked {answer['acked_seq']}, expected {top}")
        except RuntimeError as exc:
            with lock:
                errors.append(f"live kiosk {i}: {exc}")
        finally:
            poster.close()

    reading = [threading.Thread(target=read, args=(c, k)) for k, c in enumerate(readers)]
    for t in reading:
        t.start()
    time.sleep(1)  # the readers are reading before the first event arrives
    start = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(post, range(count)))
    elapsed = time.perf_counter() - start
    halt.set()
    for t in reading:
        t.join()
    for c in readers:
        c.close()
    rate = total / elapsed
    kept_s = Pages().figures_max_age_seconds if args.figures_max_age is None else args.figures_max_age
    print(f"ingest under read load: {count} kiosks (up to {args.live_events} events each: the {LIVE_DAYS_BEFORE} days "
          f"before the loaded ones), batches of {args.batch}, while {READ_THREADS} readers read the pages "
          f"from a server that keeps each page's figures {kept_s:g} s"
          f"{f' (each pausing {args.read_pause:g} s between pages)' if args.read_pause else ' (each the next at once)'}: "
          f"{total:,} events in {elapsed:.1f} s = {rate:,.0f} events/s "
          f"(target >= {INGEST_PER_S:,}: {verdict(rate >= INGEST_PER_S)})")
    if reads:
        print(f"  the readers meanwhile: {len(reads)} pages, p50 {percentile(reads, 50) * 1000:.0f} ms, "
              f"p99 {percentile(reads, 99) * 1000:.0f} ms")
    if errors:
        print(f"  errors: {len(errors)}; first: {errors[0]}")


def peak_rss_mb(pid: int) -> dict[str, float]:
    """Each server process's peak resident memory (VmHWM) in MB, by what it is ("supervisor", "worker 1", ...)."""
    found: dict[str, float] = {}
    workers = 0
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            command = Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        if p == pid:
            what = "supervisor"
        elif "spawn_main" in command:
            workers += 1
            what = f"worker {workers}"
        else:
            what = f"helper {p}"  # multiprocessing's resource tracker
        found[what] = kb / 1024
    return found


#: The server settings that decide how fast a large, write-heavy database goes
#: (docs/central.md, "PostgreSQL's own settings for a province").
PG_SETTINGS = ("server_version", "shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression",
               "synchronous_commit")


def pg_settings(db_url: str) -> str:
    """The server's values of :data:`PG_SETTINGS`, for the record: the figures depend on them."""
    with psycopg.connect(db_url) as conn:
        return ", ".join(f"{name} {conn.execute(sql.SQL('SHOW {}').format(sql.Identifier(name))).fetchone()[0]}"
                         for name in PG_SETTINGS)


def data_size(db_url: str, name: str, kept: Kept, args: argparse.Namespace) -> None:
    with psycopg.connect(db_url) as conn:
        # Every event 1..acked_seq of each kiosk is stored (the protocol's promise): their sum counts the
        # events without COUNT(*), which would read the whole table through the cache the next run needs.
        events = conn.execute("SELECT COALESCE(SUM(acked_seq), 0) FROM devices").fetchone()[0]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        rows = {t: conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                for t in SUMMARY_TABLES if t in present}
    print(f"data: {args.offices} offices x {args.days} days ({kept.first_day} to {kept.last_day}, about "
          f"{kept.tickets_per_day} tickets per office a day, Sundays closed); {events:,} events stored; "
          f"database {name}: {size / 2**30:.2f} GiB on disk")
    if kept.seconds:
        print(f"load (over every session): {kept.events:,} events in {kept.seconds:,.0f} s = "
              f"{kept.events / kept.seconds:,.0f} events/s")
    shown = ", ".join(f"{t} {n:,}" for t, n in rows.items()) or "none found"
    print(f"summary tables (rows): {shown}")


def _interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=200)
    parser.add_argument("--days", type=int, default=365, help="calendar days, ending yesterday (at the first load)")
    parser.add_argument("--tickets-per-day", type=int, default=122,
                        help="tickets per office a day, on average (default: what the demo's morning issues)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--devices", type=int, default=50, help="kiosks posting at a time")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--export-repeat", type=int, default=0, help="timed quarter exports (default: --repeat)")
    parser.add_argument("--live-events", type=int, default=4000, help="events per kiosk of the ingest under read load")
    parser.add_argument("--read-pause", type=float, default=0.0,
                        help="seconds each reader waits between pages during the ingest under read load (default 0)")
    parser.add_argument("--figures-max-age", type=float, default=None, metavar="S",
                        help="[pages] figures_max_age_seconds of the server the ingest under read load runs on "
                             f"(default: the default, {Pages().figures_max_age_seconds:g})")
    parser.add_argument("--reuse", action=argparse.BooleanOptionalAction, default=True,
                        help="keep the loaded database and use it again (default); --no-reuse: a scratch one, dropped")
    parser.add_argument("--fresh", action="store_true", help="drop the kept database and load it again")
    parser.add_argument("--load-only", action="store_true", help="load (or resume), then stop")
    args = parser.parse_args()
    if args.figures_max_age is not None and not 0 <= args.figures_max_age <= 300:
        parser.error("--figures-max-age must be between 0 and 300 seconds (what central's settings take)")
    signal.signal(signal.SIGTERM, _interrupted)  # `kill` stops a load as Ctrl-C does: its progress recorded
    if args.offices < 1 or args.days < 1 or args.tickets_per_day < 1:
        parser.error("--offices, --days and --tickets-per-day must be at least 1")
    earliest = datetime.now(TZ).date() - timedelta(days=args.days + LIVE_DAYS_BEFORE)
    if earliest <= PRODUCT_EPOCH:
        parser.error(f"--days {args.days} reaches back before {PRODUCT_EPOCH} (no kiosk event is that old)")

    name = f"central_scale_{args.offices}x{args.days}x{args.tickets_per_day}"
    if not args.reuse:
        name += f"_{uuid.uuid4().hex[:8]}"
    log = Path(tempfile.gettempdir()) / f"{name}.server.log"
    try:
        db_url, kept = prepare(name, args)
        if kept.complete:
            print(f"reusing {name}: complete ({kept.first_day} to {kept.last_day}); --fresh loads it again")
        else:
            load(name, db_url, kept, args, log)
        if args.load_only:
            return
        code, day = site_code(0), date.fromisoformat(kept.last_day)
        print(f"machine: {machine(f'PostgreSQL, {args.workers} server processes')}")
        print(f"PostgreSQL settings: {pg_settings(db_url)}")
        memory: dict[str, dict[str, float]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            # The pages are timed as computed: a server that keeps nothing (central.recent) computes
            # each request's figures from the summary tables, as the first request of a period does.
            proc, url = serve(db_url, args.workers, log, pages_settings(Path(tmp) / "computing.toml", 0))
            try:
                time_pages(url, code, day, args)
                memory["timing the pages"] = peak_rss_mb(proc.pid)
            finally:
                stop(proc)
            live = None if args.figures_max_age is None else pages_settings(Path(tmp) / "live.toml", args.figures_max_age)
            proc, url = serve(db_url, args.workers, log, live)  # by default the defaults, as installed
            try:
                live_ingest(url, db_url, kept, code, args)
                memory["ingest under read load"] = peak_rss_mb(proc.pid)
            finally:
                stop(proc)
        for run, found in memory.items():
            total = sum(found.values())
            print(f"memory ({run}): central's processes, peak resident (each one's peak, summed): {total:,.0f} MB "
                  f"(target < {MEMORY_MB} MB: {verdict(total < MEMORY_MB)}): "
                  + ", ".join(f"{what} {mb:,.0f} MB" for what, mb in found.items()))
        data_size(db_url, name, kept, args)
    finally:
        if not args.reuse and database_exists(name):
            drop_pg(name)


if __name__ == "__main__":
    main()
