"""The simulated backend: keypads in memory that a test or a demo plugs, types on and unplugs.

:class:`SimulatedKeypads` is the "USB bus" (its ``list_paths`` and ``open`` are
the service's lister and opener); each :class:`SimulatedKeypad` has the part of
``evdev.InputDevice`` the reader uses and a pipe for its ``select()``, so
everything but the last hop runs as with real keypads.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from drivers.keypad.keycodes import EV_KEY, EV_SYN, KEY_CODES, SYN_REPORT
from drivers.keypad.keymap import TYPING_KEYS


@dataclass(frozen=True)
class SimulatedInputEvent:
    """An input event as ``evdev.InputEvent`` carries it: the time, then type, code and value."""

    sec: int
    usec: int
    type: int
    code: int
    value: int


class SimulatedKeypad:
    """An in-memory keypad with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.grabbed = False
        self.leds: dict[int, int] = {}
        self.grab_error: OSError | None = None  # set to make grab() fail
        self._events: deque[Any] = deque()
        self._lock = threading.Lock()
        self._unplugged = False
        self._r: int = -1
        self._w: int = -1

    def _open(self) -> SimulatedKeypad:
        with self._lock:
            if self._r < 0:
                self._r, self._w = os.pipe()
                os.set_blocking(self._r, False)
        return self

    def fileno(self) -> int:
        return self._r

    def read(self) -> Iterator[Any]:
        with self._lock:
            try:
                os.read(self._r, 4096)
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

    def set_led(self, led_num: int, value: int) -> None:
        self.leds[led_num] = value

    def close(self) -> None:
        with self._lock:
            self.grabbed = False
            for fd in (self._r, self._w):
                if fd >= 0:
                    os.close(fd)
            self._r = self._w = -1
            self._events.clear()

    def send(self, code: int, value: int) -> None:
        """Queue one key event (value 1 down, 0 up, 2 autorepeat) and its SYN."""
        now = time.time()
        sec, usec = int(now), int((now % 1) * 1_000_000)
        with self._lock:
            if self._w < 0:
                return  # not open: keys typed now are lost, as on a real unplugged device
            self._events.append(SimulatedInputEvent(sec, usec, EV_KEY, code, value))
            self._events.append(SimulatedInputEvent(sec, usec, EV_SYN, SYN_REPORT, 0))
            os.write(self._w, b"k")

    def tap(self, key_name: str) -> None:
        """Press and release the key ``key_name`` (an evdev name such as ``KEY_KPENTER``)."""
        code = KEY_CODES[key_name]
        self.send(code, 1)
        self.send(code, 0)

    def type(self, text: str) -> None:
        """Tap keys by character: digits . - + * / and \\n for Enter, \\b for Backspace."""
        for char in text:
            self.tap(TYPING_KEYS[char])

    def _unplug(self) -> None:
        with self._lock:
            self._unplugged = True
            if self._w >= 0:
                os.write(self._w, b"x")


class SimulatedKeypads:
    """The simulated backend's "USB bus": plug, unplug and type on keypads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugged: dict[str, SimulatedKeypad] = {}

    def plug(self, path: str) -> SimulatedKeypad:
        """Plug a (new) keypad in at ``path``."""
        with self._lock:
            keypad = SimulatedKeypad(path)
            self._plugged[path] = keypad
            return keypad

    def unplug(self, path: str) -> None:
        with self._lock:
            keypad = self._plugged.pop(path, None)
        if keypad is not None:
            keypad._unplug()

    def get(self, path: str) -> SimulatedKeypad:
        with self._lock:
            return self._plugged[path]

    def list_paths(self) -> list[str]:
        with self._lock:
            return sorted(self._plugged)

    def open(self, path: str) -> SimulatedKeypad:
        with self._lock:
            keypad = self._plugged.get(path)
        if keypad is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return keypad._open()
