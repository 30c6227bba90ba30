"""central.recent: a page's figures are kept a few seconds and shared, computed once however many ask."""

from __future__ import annotations

import threading
import time

import pytest

from central.recent import Recent


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(answers: list[int]) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return answers[len(calls) - 1]
    return calls, compute


def test_an_answer_is_kept_for_max_age_then_computed_again() -> None:
    clock = Clock()
    recent = Recent(5, clock=clock)
    calls, compute = counting([1, 2])
    assert recent.get("ranking", compute) == 1
    clock.now += 4.9
    assert recent.get("ranking", compute) == 1 and len(calls) == 1
    clock.now += 0.1
    assert recent.get("ranking", compute) == 2 and len(calls) == 2


def test_each_key_is_kept_apart() -> None:
    recent = Recent(5, clock=Clock())
    assert recent.get(("unit", 1, "month"), lambda: "a") == "a"
    assert recent.get(("unit", 2, "month"), lambda: "b") == "b"
    assert recent.get(("unit", 1, "month"), lambda: "c") == "a"


def test_max_age_zero_keeps_nothing() -> None:
    recent = Recent(0, clock=Clock())
    calls, compute = counting([1, 2])
    assert [recent.get("k", compute), recent.get("k", compute)] == [1, 2]


def test_the_least_recently_used_answer_goes_first_when_full() -> None:
    recent = Recent(60, size=2, clock=Clock())
    recent.get("a", lambda: 1)
    recent.get("b", lambda: 2)
    recent.get("a", lambda: 0)  # used again: "b" is now the oldest
    recent.get("c", lambda: 3)
    assert recent.get("a", lambda: -1) == 1 and recent.get("b", lambda: -2) == -2


def test_a_failed_computation_is_not_kept() -> None:
    recent = Recent(60, clock=Clock())

    def fails() -> int:
        raise RuntimeError("database gone")
    with pytest.raises(RuntimeError):
        recent.get("k", fails)
    assert recent.get("k", lambda: 7) == 7


def test_many_asking_at_once_compute_once() -> None:
    recent = Recent(60)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return "figures"
    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(recent.get("k", slow)))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: answers.append(recent.get("k", slow))) for _ in range(5)]
    for t in others:
        t.start()
    time.sleep(0.2)  # the others are waiting for the first's answer
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert answers == ["figures"] * 6 and len(calls) == 1


def test_answers_grown_old_are_let_go_when_the_next_is_kept() -> None:
    clock = Clock()
    recent = Recent(5, clock=clock)
    recent.get("january", lambda: "big")
    clock.now += 5
    recent.get("february", lambda: "small")
    assert len(recent) == 1 and recent.get("january", lambda: "again") == "again"


def test_an_answers_age_counts_from_when_its_computation_began() -> None:
    clock = Clock()
    recent = Recent(5, clock=clock)

    def slow() -> str:
        clock.now += 2  # two seconds reading the database
        return "figures"
    recent.get("k", slow)
    clock.now += 3
    assert recent.get("k", lambda: "newer") == "newer"  # read 5 s ago, though kept only 3 s ago


def test_those_who_waited_take_the_answer_even_when_it_took_longer_than_max_age() -> None:
    clock = Clock()
    readings: list[float] = []

    def read_clock() -> float:
        readings.append(clock.now)
        return clock.now
    recent = Recent(1, clock=read_clock)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        clock.now += 3  # the computation took three times max_age
        return "figures"
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(recent.get("k", slow))) for _ in range(4)]
    threads[0].start()
    assert started.wait(10)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 10
    while len(readings) < 2 + 3 and time.monotonic() < deadline:  # the first's two readings, one per waiter
        time.sleep(0.01)
    release.set()
    for t in threads:
        t.join(10)
    assert answers == ["figures"] * 4 and len(calls) == 1
