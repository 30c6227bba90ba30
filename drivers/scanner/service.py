"""The scanner's threads, backend-neutral: :class:`ScannerService` and its readers.

A finder thread asks the backend's ``lister()`` for the input devices every
``scan_interval_ms`` and starts a reader for each one ``[scanner]`` matches
(:func:`~drivers.scanner.matching.matches`). A reader opens its device, grabs
it at once and always (a scanner types like a keyboard: its keys must never
reach the board window or a shell), feeds every event to a
:class:`~drivers.scanner.handler.ScanHandler` and posts what comes out. After a
failure it posts :class:`ScannerDisconnected` and tries again with a doubling
wait; once the device is gone it ends, and the finder starts a new reader when
the scanner is plugged in again. The backend is two callables:
:mod:`drivers.scanner.evdev_backend` for real scanners,
:mod:`drivers.scanner.simulated` for scanners in memory.
"""

from __future__ import annotations

import errno
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from drivers.base import DeviceError
from drivers.keypad.service import next_backoff
from drivers.scanner.config import ScannerConfig
from drivers.scanner.events import ScannerConnected, ScannerDisconnected
from drivers.scanner.handler import ScanHandler
from drivers.scanner.matching import ScannerInfo, matches

if TYPE_CHECKING:
    from drivers.scanner.simulated import SimulatedScanners


class ScannerDevice(Protocol):
    """What the reader needs of a device: ``evdev.InputDevice`` and
    :class:`~drivers.scanner.simulated.SimulatedScanner` both fit.

    ``read()`` yields the events ready, raises BlockingIOError when there are
    none, and OSError once the device is gone.
    """

    def fileno(self) -> int: ...
    def read(self) -> Iterator[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


#: The backend's two callables: every input device it sees, and opening one by its path.
Lister = Callable[[], list[ScannerInfo]]
Opener = Callable[[str], ScannerDevice]

_FIX_GROUP = "add the kiosk user to the input group: sudo adduser kiosk input"


def _reason(device: str, exc: Exception) -> str:
    """What a ScannerDisconnected says for ``exc``: what is wrong with ``device`` and the fix."""
    if not isinstance(exc, OSError):
        # only the type: a message might quote what was being read
        problem, fix = f"unexpected error ({type(exc).__name__})", "it is reopened by itself; report this to the developers"
    elif isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        problem, fix = "not plugged in", "plug it in; `python -m drivers.scanner CONFIG` lists the input devices"
    elif exc.errno == errno.ENODEV:
        problem, fix = "unplugged", "plug it back in: it is found again by itself"
    elif isinstance(exc, PermissionError):
        problem, fix = "permission denied", _FIX_GROUP
    elif exc.errno == errno.EBUSY:
        problem, fix = "another program has grabbed it", "stop the other program (a second kiosk, or the driver's check)"
    else:
        problem, fix = f"cannot read it ({exc})", "unplug it and plug it in again"
    return str(DeviceError(f"scanner {device}", problem, fix))


def not_found_error(config: ScannerConfig, seen: list[ScannerInfo]) -> DeviceError:
    """No input device in ``seen`` is the scanner: what was looked for, and what to do."""
    looked = [f"USB ids {', '.join(config.usb_ids)}"] if config.usb_ids else []
    looked += [f"names containing {' or '.join(repr(n) for n in config.names)}"] if config.names else []
    looked += [f"paths {', '.join(config.devices)}"] if config.devices else []
    unreadable = sum(1 for info in seen if info.error)
    fix = "plug it in, or set usb_ids or names in [scanner] to what `python -m drivers.scanner CONFIG` lists"
    if unreadable:
        fix = f"{unreadable} input device(s) cannot be read: {_FIX_GROUP}; then {fix}"
    return DeviceError("scanner", f"no barcode scanner found (looked for {'; '.join(looked)})", fix)


_IDLE_POLL_S = 1.0  # a reader with no code being read wakes only to notice close()


class _Reader:
    """Opens one scanner, serves it, reopens it after a failure; ends when it is gone."""

    def __init__(self, path: str, service: ScannerService) -> None:
        self.path = path
        self.service = service
        self._connected: bool | None = None  # None: not known yet
        self._down_reason: str | None = None  # the last Disconnected reason posted
        self.backoff = service.config.reconnect_min_ms / 1000
        self.thread = threading.Thread(target=self.run, name=f"scanner {path}", daemon=True)

    def run(self) -> None:
        service = self.service
        cfg = service.config
        try:
            while not service.stopping.is_set():
                try:
                    info = service.current(self.path)
                except Exception:  # the lister failing: the finder reports it and starts a reader again
                    info = None
                if info is None:
                    break  # unplugged (or now another device): the finder starts a reader when it is back
                device = None
                try:
                    device = service.opener(self.path)
                    self._serve(device, info)
                except Exception as exc:  # OSError from the device; anything else is a bug, but must not kill the thread
                    reason = _reason(self.path, exc)
                    missing = isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT
                    if self._connected is not False or (reason != self._down_reason and not missing):
                        self._connected, self._down_reason = False, reason
                        service.post(ScannerDisconnected(self.path, reason))
                finally:
                    if device is not None:
                        try:
                            device.close()
                        except OSError:
                            pass
                if service.stopping.wait(self.backoff):
                    break
                self.backoff = next_backoff(self.backoff, cfg.reconnect_max_ms / 1000)
        finally:
            service._ended(self)

    def _serve(self, device: ScannerDevice, info: ScannerInfo) -> None:
        """Read events until the device fails (OSError) or the service stops."""
        service = self.service
        handler = ScanHandler(self.path, service.config)
        device.grab()  # always, before any key is read: a scanner's keys belong to the kiosk alone
        self._connected, self._down_reason = True, None
        self.backoff = service.config.reconnect_min_ms / 1000  # after a drop, start again with a short wait
        service.post(ScannerConnected(self.path, info.name))
        poll = max(0.005, min(0.05, handler.end_gap_s / 4))
        while not service.stopping.is_set():
            ready, _, _ = select.select([device, service.stop_fd], [], [], poll if handler.pending else _IDLE_POLL_S)
            if device in ready:
                try:
                    for event in device.read():
                        for out in handler.handle_event(event, service.clock()):
                            service.post(out)
                except BlockingIOError:
                    pass
            for out in handler.tick(service.clock()):
                service.post(out)


class ScannerService:
    """Finds the scanner, reads it in its own thread, finds it again after unplugging.

    ``lister()`` describes every input device the backend sees; ``opener(path)``
    opens one or raises OSError. When no device matches at the first look, one
    :class:`ScannerDisconnected` with device "" says so and how to fix it.
    """

    def __init__(
        self,
        config: ScannerConfig,
        post: Callable[[Any], None],
        *,
        lister: Lister,
        opener: Opener,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.post = post
        self.lister = lister
        self.opener = opener
        self.clock = clock
        self.stopping = threading.Event()
        # A pipe that becomes readable on close(), so a reader asleep in select() stops at once.
        self._stop_pipe = os.pipe()
        #: The simulated backend's scanners (None for the real backend).
        self.simulated: SimulatedScanners | None = None
        self._readers: dict[str, _Reader] = {}
        self._lock = threading.Lock()
        self._finder: threading.Thread | None = None
        self._looked = False

    def found(self) -> list[ScannerInfo]:
        """The input devices that are the scanner now."""
        return [info for info in self.lister() if matches(self.config, info)]

    def current(self, path: str) -> ScannerInfo | None:
        """The device at ``path`` if it is still there and still the scanner."""
        return next((info for info in self.found() if info.path == path), None)

    def start(self) -> None:
        """Start the finder thread (which starts the readers)."""
        self._finder = threading.Thread(target=self._find_loop, name="scanner finder", daemon=True)
        self._finder.start()

    def refresh(self) -> None:
        """Look for scanners now and start a reader for each new one."""
        seen = self.lister()
        wanted = [info for info in seen if matches(self.config, info)]
        with self._lock:
            for info in wanted:
                if info.path not in self._readers and not self.stopping.is_set():
                    reader = _Reader(info.path, self)
                    self._readers[info.path] = reader
                    reader.thread.start()
            first, self._looked = not self._looked, True
            none = not self._readers
        if first and none:
            self.post(ScannerDisconnected("", str(not_found_error(self.config, seen))))

    def _find_loop(self) -> None:
        failure: str | None = None
        while not self.stopping.is_set():
            try:
                self.refresh()
                failure = None
            except Exception as exc:  # a lister failing (a folder gone) must not end the search
                if _reason("finder", exc) != failure:  # said once, not every few seconds
                    failure = _reason("finder", exc)
                    self.post(ScannerDisconnected("", failure))
            self.stopping.wait(self.config.scan_interval_ms / 1000)

    def _ended(self, reader: _Reader) -> None:
        with self._lock:
            if self._readers.get(reader.path) is reader:
                del self._readers[reader.path]

    def watched(self) -> list[str]:
        """Paths that have a reader."""
        with self._lock:
            return sorted(self._readers)

    @property
    def stop_fd(self) -> int:
        """Readable once the service is closing (readers select() on it with their device)."""
        return self._stop_pipe[0]

    def close(self) -> None:
        """Stop reading and release the scanner."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        os.write(self._stop_pipe[1], b"x")
        if self._finder is not None:
            self._finder.join(timeout=5)
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.thread.join(timeout=5)
        if not any(reader.thread.is_alive() for reader in readers):
            for fd in self._stop_pipe:
                os.close(fd)
