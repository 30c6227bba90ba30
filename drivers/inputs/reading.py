"""The input drivers' threads, backend-neutral: :class:`InputService` and :class:`InputReader`.

The keypads' and the scanner's services work alike: one thread looks for
devices and starts a reader thread per device path; a reader opens its device
(an :class:`InputDevice`: ``evdev.InputDevice`` or a simulated one), serves it
until it fails, says why in words a technician can act on
(:func:`disconnect_reason`), and opens it again after a doubling wait
(:func:`next_backoff`). ``close()`` wakes every reader at once: each one
``select()``-s on a pipe beside its device (:func:`read_ready`). What the events
mean, which devices are read and what is posted stay with each driver:
:mod:`drivers.keypad.service`, :mod:`drivers.scanner.service`.
"""

from __future__ import annotations

import errno
import os
import select
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.base import DeviceError


class InputDevice(Protocol):
    """What a reader needs of a device: ``evdev.InputDevice`` and
    :class:`~drivers.inputs.simulated.SimulatedInputDevice` both fit.

    ``read()`` yields the events ready (each fits
    :class:`~drivers.inputs.input_events.InputEvent`), raises BlockingIOError
    when there are none, and OSError once the device is gone.
    """

    def fileno(self) -> int: ...
    def read(self) -> Iterator[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


class ReconnectConfig(Protocol):
    """What the shared threads read of a driver's section: the waits between attempts to open a device."""

    @property
    def reconnect_min_ms(self) -> int: ...
    @property
    def reconnect_max_ms(self) -> int: ...


def next_backoff(previous_s: float, max_s: float) -> float:
    """The wait before the next reopening attempt: doubles, up to ``max_s``."""
    return min(previous_s * 2, max_s)


#: The fix for a device the kiosk may not open.
FIX_INPUT_GROUP = "add the kiosk user to the input group: sudo adduser kiosk input"


@dataclass(frozen=True)
class Fixes:
    """What a driver tells the technician to do about each trouble with its devices (:func:`disconnect_reason`)."""

    not_plugged: str  # the path is not there (ENOENT)
    unplugged: str  # it was there and went (ENODEV)
    busy: str  # another program has grabbed it (EBUSY)
    #: False: an unexpected error is named by its type alone (its message might quote what was read).
    quote_unexpected: bool = True


def is_missing(exc: BaseException) -> bool:
    """Is ``exc`` "no such device path" (a device not plugged in, reported once, not at every attempt)?"""
    return isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT


def disconnect_reason(device: str, exc: Exception, fixes: Fixes) -> str:
    """What a Disconnected event says for ``exc``: what is wrong with ``device`` ("keypad /dev/...") and the fix."""
    if not isinstance(exc, OSError):
        what = repr(exc) if fixes.quote_unexpected else type(exc).__name__
        problem, fix = f"unexpected error ({what})", "it is reopened by itself; report this to the developers"
    elif is_missing(exc):
        problem, fix = "not plugged in", fixes.not_plugged
    elif exc.errno == errno.ENODEV:
        problem, fix = "unplugged", fixes.unplugged
    elif isinstance(exc, PermissionError):
        problem, fix = "permission denied", FIX_INPUT_GROUP
    elif exc.errno == errno.EBUSY:
        problem, fix = "another program has grabbed it", fixes.busy
    else:
        problem, fix = f"cannot read it ({exc})", "unplug it and plug it in again"
    return str(DeviceError(device, problem, fix))


def read_ready(device: InputDevice, stop_fd: int, timeout: float) -> list[Any]:
    """The events ``device`` has within ``timeout`` seconds.

    Empty when it stays quiet, when it has none after all, or when ``stop_fd``
    (:attr:`InputService.stop_fd`) says the service is closing; raises OSError
    once the device is gone.
    """
    ready, _, _ = select.select([device, stop_fd], [], [], timeout)
    if device not in ready:
        return []
    try:
        return list(device.read())
    except BlockingIOError:
        return []


class InputReader(ABC):
    """One device path's thread: opens the device, serves it, and opens it again after a failure.

    A failure is posted when the device goes away, and again only if the
    trouble changes to one a technician must fix (not for "still not there").
    Between attempts it waits ``reconnect_min_ms``, doubling up to
    ``reconnect_max_ms``; once the device has been served, the waits start
    short again. A driver's reader says how to open and serve its device and
    what to post.
    """

    def __init__(self, path: str, service: InputService, kind: str) -> None:
        self.path = path
        self.service = service
        self._connected: bool | None = None  # None: not known yet
        self._down_reason: str | None = None  # the last Disconnected reason posted
        self.backoff = service.config.reconnect_min_ms / 1000  # the next wait before reopening
        self.thread = threading.Thread(target=self.run, name=f"{kind} {path}", daemon=True)

    @abstractmethod
    def open(self) -> InputDevice | None:
        """Open the device (OSError when it cannot be), or None when it is gone for good: the reader ends."""

    @abstractmethod
    def serve(self, device: InputDevice) -> None:
        """Read events until the device fails (OSError) or the service stops; call :meth:`connected` first."""

    @abstractmethod
    def reason(self, exc: Exception) -> str:
        """What is wrong with the device, and the fix (:func:`disconnect_reason`)."""

    @abstractmethod
    def disconnected(self, reason: str) -> Any:
        """The event to post when the device goes away or the trouble changes."""

    def ended(self) -> None:
        """Called on the reader's thread as it ends (after :meth:`open` returned None, or on close)."""

    def run(self) -> None:
        service = self.service
        try:
            while not service.stopping.is_set():
                device = None
                try:
                    device = self.open()
                    if device is None:
                        break
                    self.serve(device)
                except Exception as exc:  # OSError from the device; anything else is a bug, but must not kill the thread
                    self._failed(exc)
                finally:
                    if device is not None:
                        try:
                            device.close()
                        except OSError:
                            pass
                if service.stopping.wait(self.backoff):
                    break
                self.backoff = next_backoff(self.backoff, service.config.reconnect_max_ms / 1000)
        finally:
            self.ended()

    def connected(self, event: Any) -> None:
        """The device is open and ready: post ``event``; the next failure is posted, and waits start short."""
        self._connected, self._down_reason = True, None
        self.backoff = self.service.config.reconnect_min_ms / 1000  # after a drop, start again with a short wait
        self.service.post(event)

    def _failed(self, exc: Exception) -> None:
        reason = self.reason(exc)
        if self._connected is not False or (reason != self._down_reason and not is_missing(exc)):
            self._connected, self._down_reason = False, reason
            self.service.post(self.disconnected(reason))


class InputService(ABC):
    """The threads of one driver's devices: a looker that starts readers, one :class:`InputReader` per path.

    Holds what every such service has: its config, ``post`` and clock, the
    ``stopping`` flag, the pipe that wakes the readers on :meth:`close`, and
    the readers by path. A driver's service says how to look for devices and
    makes its readers (:meth:`new_reader`).
    """

    def __init__(self, config: ReconnectConfig, post: Callable[[Any], None], clock: Callable[[], float]) -> None:
        self.config = config
        self.post = post
        self.clock = clock
        self.stopping = threading.Event()
        # A pipe that becomes readable on close(), so a reader asleep in select() stops at once.
        self._stop_pipe = os.pipe()
        self._readers: dict[str, InputReader] = {}
        self._lock = threading.Lock()
        self._looker: threading.Thread | None = None

    @abstractmethod
    def new_reader(self, path: str) -> InputReader:
        """A reader (not started) for the device at ``path``."""

    def _start_looking(self, loop: Callable[[], None], name: str) -> None:
        """Run ``loop``, which looks for devices and starts their readers, in the thread ``name``."""
        self._looker = threading.Thread(target=loop, name=name, daemon=True)
        self._looker.start()

    def _start_readers(self, paths: Iterable[str]) -> None:
        """Start a reader for each path that has none, unless closing. The caller holds ``self._lock``."""
        for path in paths:
            if path not in self._readers and not self.stopping.is_set():
                reader = self.new_reader(path)
                self._readers[path] = reader
                reader.thread.start()

    def _ended(self, reader: InputReader) -> None:
        """Forget ``reader`` (a reader that ends while the service runs): a new one may start for its path."""
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
        """Stop reading and release the devices (each reader closes its own)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        os.write(self._stop_pipe[1], b"x")
        if self._looker is not None:
            self._looker.join(timeout=5)
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.thread.join(timeout=5)
        if not any(reader.thread.is_alive() for reader in readers):
            for fd in self._stop_pipe:
                os.close(fd)
