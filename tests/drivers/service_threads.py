"""What the tests of the input drivers' threads share (the keypads' and the scanner's services).

``Events`` collects what a service posts, for a test to take in order;
``wait_until`` waits for a condition a thread brings about; ``RecordingEvent``
stands in for a service's ``stopping`` flag and records how long its readers
wait between attempts to open a device.
"""

from __future__ import annotations

import queue
import threading
import time


class Events:
    """What a service posts (pass ``events.post``), taken in order."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue()

    def post(self, item) -> None:
        self.queue.put(item)

    def next(self, timeout: float = 3.0):
        return self.queue.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            item = self.queue.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected {item}")


def wait_until(predicate, timeout: float = 3.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


class RecordingEvent(threading.Event):
    """The service's stop flag; records how long the readers (threads named ``prefix``...) wait between attempts."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.waits: list[float] = []

    def wait(self, timeout=None):
        if threading.current_thread().name.startswith(self.prefix):
            self.waits.append(timeout)
        return super().wait(timeout)
