"""The input drivers' simulated last hop: an input device and a "USB bus" in memory.

A :class:`SimulatedInputDevice` has the part of ``evdev.InputDevice`` the
readers use (:class:`~drivers.inputs.reading.InputDevice`) and a pipe for their
``select()``; keys sent to it while a reader has it open are read as a real
device's events (:class:`~drivers.inputs.input_events.SimulatedInputEvent`).
A :class:`SimulatedBus` holds the devices plugged in by path; its ``open`` is
a service's opener. The keypads (:mod:`drivers.keypad.simulated`) and the
scanner (:mod:`drivers.scanner.simulated`) add what their device does: typing
on a keypad, scanning a code.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Self, TypeVar

from drivers.inputs.input_events import SimulatedInputEvent
from drivers.keypad.keycodes import EV_KEY, EV_SYN, SYN_REPORT


class SimulatedInputDevice:
    """An in-memory input device with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    Both ends are non-blocking: a pipe full of wake-ups never blocks a sender.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.grabbed = False
        self.grab_error: OSError | None = None  # set to make grab() fail
        self._events: deque[Any] = deque()
        self._lock = threading.Lock()
        self._unplugged = False
        self._r: int = -1
        self._w: int = -1

    @property
    def is_open(self) -> bool:
        """True while a reader has it open (keys sent now are read)."""
        return self._r >= 0

    def _open(self) -> Self:
        with self._lock:
            if self._r < 0:
                self._r, self._w = os.pipe()
                os.set_blocking(self._r, False)
                os.set_blocking(self._w, False)
        return self

    def fileno(self) -> int:
        return self._r

    def read(self) -> Iterator[Any]:
        with self._lock:
            try:
                os.read(self._r, 65536)
            except BlockingIOError:
                pass
            if self._unplugged:
                raise OSError(errno.ENODEV, "No such device")
            if not self._events:
                raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
            events = list(self._events)
            self._events.clear()
        return iter(events)

    def grab(self) -> None:
        if self.grab_error is not None:
            raise self.grab_error
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        with self._lock:
            self.grabbed = False
            for fd in (self._r, self._w):
                if fd >= 0:
                    os.close(fd)
            self._r = self._w = -1
            self._events.clear()

    def send_keys(self, keys: Iterable[tuple[int, int]]) -> bool:
        """Queue key changes (key code, value 1 down / 0 up / 2 autorepeat), each followed by its SYN.

        Returns False when no reader has the device open: the keys are lost, as
        on a real unplugged device.
        """
        now = time.time()
        sec, usec = int(now), int((now % 1) * 1_000_000)
        batch = []
        for code, value in keys:
            batch += [SimulatedInputEvent(sec, usec, EV_KEY, code, value), SimulatedInputEvent(sec, usec, EV_SYN, SYN_REPORT, 0)]
        with self._lock:
            if self._w < 0:
                return False
            self._events.extend(batch)
            self._wake(b"k")
        return True

    def _wake(self, byte: bytes) -> None:
        """Make the reader's ``select()`` return (the caller holds the lock and has the pipe open)."""
        try:
            os.write(self._w, byte)
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already: the reader will come

    def _unplug(self) -> None:
        with self._lock:
            self._unplugged = True
            if self._w >= 0:
                self._wake(b"x")


DeviceT = TypeVar("DeviceT", bound=SimulatedInputDevice)


class SimulatedBus(Generic[DeviceT]):
    """A simulated backend's "USB bus": the devices plugged in, by path.

    Its ``open`` is the service's opener; a driver's bus adds ``plug``, which
    makes its kind of device.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugged: dict[str, DeviceT] = {}

    def _plug(self, device: DeviceT) -> DeviceT:
        """Plug ``device`` in at its path (in place of any device there)."""
        with self._lock:
            self._plugged[device.path] = device
        return device

    def unplug(self, path: str) -> None:
        with self._lock:
            device = self._plugged.pop(path, None)
        if device is not None:
            device._unplug()

    def get(self, path: str) -> DeviceT:
        with self._lock:
            return self._plugged[path]

    def list_paths(self) -> list[str]:
        with self._lock:
            return sorted(self._plugged)

    def open(self, path: str) -> DeviceT:
        with self._lock:
            device = self._plugged.get(path)
        if device is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return device._open()
