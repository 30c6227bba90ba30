"""central.recent: a page's figures are kept a few seconds and shared, computed once however many ask."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from central.recent import Recent


class Clock:
    """A monotonic clock that moves only when told, and counts how often it was read."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return self.now


class Slow:
    """A computation that holds on until released, counting its calls; ``then`` runs as it ends."""

    def __init__(self, then: Callable[[], None] = lambda: None) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = 0
        self._then = then

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        self.release.wait(10)
        self._then()
        return "figures"


def ask_together(recent: Recent, clock: Clock, slow: Slow, waiters: int) -> list[str]:
    """One request computes with ``slow``; ``waiters`` more ask for the same meanwhile; every answer."""
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(recent.get("k", slow))) for _ in range(1 + waiters)]
    threads[0].start()
    assert slow.started.wait(10)
    asked = clock.readings
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 10
    while clock.readings < asked + waiters and time.monotonic() < deadline:  # each reads the clock as it asks
        time.sleep(0.01)
    slow.release.set()
    for t in threads:
        t.join(10)
    return answers


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
    clock, slow = Clock(), Slow()
    assert ask_together(Recent(60, clock=clock), clock, slow, waiters=5) == ["figures"] * 6 and slow.calls == 1


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

    def three_times_max_age() -> None:
        clock.now += 3
    slow = Slow(then=three_times_max_age)
    assert ask_together(Recent(1, clock=clock), clock, slow, waiters=3) == ["figures"] * 4 and slow.calls == 1
