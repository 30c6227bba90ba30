"""The simulated backend: scanners in memory that a test, a demo or the simulation page plugs in and scans with.

:class:`SimulatedScanners` is the "USB bus" (its ``list`` and ``open`` are the
service's lister and opener). A :class:`SimulatedScanner` has the part of
``evdev.InputDevice`` the reader uses and a pipe for its ``select()``; its
:meth:`~SimulatedScanner.scan` types a code as a real scanner set to the same
layout does (:mod:`drivers.scanner.encoder`), so everything but the last hop,
the decoder included, runs as with a real scanner.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from drivers.keypad.keycodes import EV_KEY, EV_SYN, KEY_CODES, SYN_REPORT
from drivers.keypad.simulated import SimulatedInputEvent
from drivers.scanner.config import LayoutName, ScannerConfig
from drivers.scanner.encoder import Method, encode
from drivers.scanner.layouts import LAYOUTS
from drivers.scanner.matching import ScannerInfo

#: Where :meth:`SimulatedScanners.plug` puts a scanner unless told otherwise.
DEFAULT_PATH = "/dev/input/by-id/usb-Simulated_USB_Barcode_Scanner-event-kbd"
DEFAULT_NAME = "Simulated USB Barcode Scanner"
DEFAULT_USB_ID = "0c2e:0b61"


class SimulatedScanner:
    """An in-memory scanner with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    """

    def __init__(self, path: str, *, name: str, usb_id: str | None, layout: LayoutName = "us") -> None:
        self.path = path
        self.name = name
        self.vendor, self.product = (int(part, 16) for part in usb_id.split(":")) if usb_id else (None, None)
        self.layout = layout
        self.grabbed = False
        self.grab_error: OSError | None = None  # set to make grab() fail
        self._events: deque[Any] = deque()
        self._lock = threading.Lock()
        self._unplugged = False
        self._r: int = -1
        self._w: int = -1

    @property
    def info(self) -> ScannerInfo:
        """How a lister describes this scanner."""
        return ScannerInfo(self.path, self.name, self.vendor, self.product)

    @property
    def is_open(self) -> bool:
        """True while a reader has it open (keys sent now are read)."""
        return self._r >= 0

    def _open(self) -> SimulatedScanner:
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

    def type_raw(self, keys: Iterable[tuple[int | str, int]]) -> bool:
        """Send key changes as they are: (key code or evdev key name, value 1 down / 0 up / 2 autorepeat).

        For garbage: any key, in any order. Returns False when no reader has the
        scanner open (the keys are lost, as on a real unplugged device).
        """
        now = time.time()
        sec, usec = int(now), int((now % 1) * 1_000_000)
        batch = []
        for key, value in keys:
            code = KEY_CODES[key] if isinstance(key, str) else key
            batch += [SimulatedInputEvent(sec, usec, EV_KEY, code, value), SimulatedInputEvent(sec, usec, EV_SYN, SYN_REPORT, 0)]
        with self._lock:
            if self._w < 0:
                return False
            self._events.extend(batch)
            try:
                os.write(self._w, b"k")
            except BlockingIOError:
                pass  # the pipe is full of wake-ups already: the reader will come
        return True

    def scan(self, text: str, method: Method = "alt", *, suffix: str = "\n", held: bool = False) -> bool:
        """Scan a code holding ``text``: its keys as a real scanner set to this layout sends them.

        ``method`` is how letters the layout lacks are typed (see
        :mod:`drivers.scanner.encoder`); ``suffix`` is what the scanner adds
        ("\\n" Enter, "\\t" Tab, "" nothing: the code then ends in silence).
        Returns False when no reader has the scanner open.
        """
        return self.type_raw(encode(text + suffix, LAYOUTS[self.layout], method, held=held))

    def _unplug(self) -> None:
        with self._lock:
            self._unplugged = True
            if self._w >= 0:
                try:
                    os.write(self._w, b"x")
                except BlockingIOError:
                    pass


class SimulatedScanners:
    """The simulated backend's "USB bus": plug, unplug and scan with scanners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugged: dict[str, SimulatedScanner] = {}

    def plug(
        self,
        path: str = DEFAULT_PATH,
        *,
        name: str = DEFAULT_NAME,
        usb_id: str | None = DEFAULT_USB_ID,
        layout: LayoutName = "us",
    ) -> SimulatedScanner:
        """Plug a (new) scanner in at ``path``."""
        scanner = SimulatedScanner(path, name=name, usb_id=usb_id, layout=layout)
        with self._lock:
            self._plugged[path] = scanner
        return scanner

    def plug_for(self, config: ScannerConfig, path: str = DEFAULT_PATH) -> SimulatedScanner:
        """Plug in a scanner that ``config`` finds (by its first USB id or name, else at a path it names)."""
        if not (config.usb_ids or config.names):
            path = config.devices[0].replace("*", "Simulated").replace("?", "x")
        name = f"Simulated {config.names[0]}" if config.names else DEFAULT_NAME
        usb_id = config.usb_ids[0] if config.usb_ids else DEFAULT_USB_ID
        return self.plug(path, name=name, usb_id=usb_id, layout=config.layout)

    def unplug(self, path: str = DEFAULT_PATH) -> None:
        with self._lock:
            scanner = self._plugged.pop(path, None)
        if scanner is not None:
            scanner._unplug()

    def get(self, path: str = DEFAULT_PATH) -> SimulatedScanner:
        with self._lock:
            return self._plugged[path]

    def list(self) -> list[ScannerInfo]:
        """Every plugged scanner as the service's lister describes it."""
        with self._lock:
            return [self._plugged[path].info for path in sorted(self._plugged)]

    def list_paths(self) -> list[str]:
        with self._lock:
            return sorted(self._plugged)

    def open(self, path: str) -> SimulatedScanner:
        with self._lock:
            scanner = self._plugged.get(path)
        if scanner is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return scanner._open()
