"""The keypads' threads, backend-neutral: :class:`KeypadService` and its readers.

A scanner thread finds keypads by their stable ``/dev/input/by-id/`` path; one
reader thread per path opens it, grabs it once it is paired (so its keys never
reach the board window), feeds every event to a
:class:`~drivers.keypad.handler.KeypadHandler`, and reopens it after
unplugging with a backoff. The backend is two callables given to the service:
``lister()`` (the candidate paths) and ``opener(path)`` (a
:class:`KeypadDevice`): :mod:`drivers.keypad.evdev_backend` for real keypads,
:mod:`drivers.keypad.simulated` for keypads in memory.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from drivers.base import DeviceError
from drivers.keypad.config import KeypadConfig
from drivers.keypad.events import KeypadConnected, KeypadDisconnected
from drivers.keypad.handler import KeypadHandler
from drivers.keypad.keycodes import LED_NUML
from drivers.keypad.pairing import Pairing, PairingStore

if TYPE_CHECKING:
    from drivers.keypad.simulated import SimulatedKeypads


class KeypadDevice(Protocol):
    """What the reader needs of a device: ``evdev.InputDevice`` and
    :class:`~drivers.keypad.simulated.SimulatedKeypad` both fit.

    ``read()`` yields the events ready (each fits
    :class:`~drivers.keypad.handler.InputEvent`), raises BlockingIOError when
    there are none, and OSError once the device is gone.
    """

    def fileno(self) -> int: ...
    def read(self) -> Iterator[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def set_led(self, led_num: int, value: int) -> None: ...
    def close(self) -> None: ...


def next_backoff(previous_s: float, max_s: float) -> float:
    """The wait before the next reopening attempt: doubles, up to ``max_s``."""
    return min(previous_s * 2, max_s)


def _reason(device: str, exc: Exception) -> str:
    """What a KeypadDisconnected says for ``exc``: what is wrong with ``device`` and the fix."""
    if not isinstance(exc, OSError):
        problem, fix = f"unexpected error ({exc!r})", "it is reopened by itself; report this to the developers"
    elif isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        problem, fix = "not plugged in", "plug it in; `ls /dev/input/by-id/` lists the keypads the Pi sees"
    elif exc.errno == errno.ENODEV:
        problem, fix = "unplugged", "plug it back in: it is reopened by itself"
    elif isinstance(exc, PermissionError):
        problem, fix = "permission denied", "add the kiosk user to the input group: sudo adduser kiosk input"
    elif exc.errno == errno.EBUSY:
        problem, fix = "another program has grabbed it", "stop the other program (a second kiosk?)"
    else:
        problem, fix = f"cannot read it ({exc})", "unplug it and plug it in again"
    return str(DeviceError(f"keypad {device}", problem, fix))


_POLL_S = 0.1  # how often a reader wakes up without input while a key press is timing
# Otherwise it wakes only to notice a pairing made by another keypad: six
# keypads polling ten times a second cost 0.7% of a core at idle.
_IDLE_POLL_S = 1.0


class _Reader:
    """Opens one device path, serves it, and reopens it after a failure."""

    def __init__(self, path: str, service: KeypadService) -> None:
        self.path = path
        self.service = service
        self._connected: bool | None = None  # None: not known yet
        self._down_reason: str | None = None  # the last Disconnected reason posted
        self.backoff = service.config.reconnect_min_ms / 1000  # the next wait before reopening
        self.thread = threading.Thread(target=self.run, name=f"keypad {path}", daemon=True)

    def run(self) -> None:
        service = self.service
        cfg = service.config
        self.backoff = cfg.reconnect_min_ms / 1000
        while not service.stopping.is_set():
            device = None
            try:
                device = service.opener(self.path)
                self._serve(device)
            except Exception as exc:  # OSError from the device; anything else is a bug, but must not kill the thread
                reason = _reason(self.path, exc)
                # Post when the keypad goes away, and again only if the trouble
                # changes to one a technician must fix (not for "still not there").
                missing = isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT
                if self._connected is not False or (reason != self._down_reason and not missing):
                    self._connected = False
                    self._down_reason = reason
                    service.post(KeypadDisconnected(self.path, service.store.counter_for(self.path), reason))
            finally:
                if device is not None:
                    try:
                        device.close()
                    except OSError:
                        pass
            if service.stopping.wait(self.backoff):
                break
            self.backoff = next_backoff(self.backoff, cfg.reconnect_max_ms / 1000)

    def _serve(self, device: KeypadDevice) -> None:
        """Read events until the device fails (OSError) or the service stops."""
        service = self.service
        handler = KeypadHandler(
            self.path,
            service.config,
            service.store,
            service.post,
            counters=service.counters,
            service_count=service.service_count,
            group_count=service.group_count,
        )
        grabbed = False

        def sync_grab() -> None:
            nonlocal grabbed
            # Only a paired keypad is grabbed: an unpaired device may be the
            # technician's keyboard, which must keep working.
            want = handler.sync_binding() is not None
            if want and not grabbed:
                device.grab()
                grabbed = True
            elif grabbed and not want:
                device.ungrab()
                grabbed = False

        sync_grab()
        if service.config.numlock:
            try:
                device.set_led(LED_NUML, 1)
            except Exception:  # read-only fd, no LED: the keymap covers NumLock-off codes anyway
                pass
        self._connected, self._down_reason = True, None
        self.backoff = service.config.reconnect_min_ms / 1000  # after a drop, start again with a short wait
        service.post(KeypadConnected(self.path, handler.counter))
        while not service.stopping.is_set():
            timeout = _POLL_S if handler.timing else _IDLE_POLL_S
            ready, _, _ = select.select([device, service.stop_fd], [], [], timeout)
            if device in ready:
                try:
                    for event in device.read():
                        handler.handle_event(event, service.clock())
                except BlockingIOError:
                    pass
            handler.tick(service.clock())
            sync_grab()


class KeypadInput(ABC):
    """The officers' keypads: actions are posted as events; pairings can be listed and reset."""

    @abstractmethod
    def list_pairings(self) -> list[Pairing]:
        """Which keypad drives which counter."""

    @abstractmethod
    def reset_pairings(self) -> int:
        """Forget all pairings (keypads are released and must be paired again)."""

    @abstractmethod
    def close(self) -> None:
        """Stop reading and release the keypads."""


class KeypadService(KeypadInput):
    """Finds keypads, reads each in its own thread, reconnects them.

    ``lister()`` returns candidate device paths (filtered here by ``devices`` and
    ``ignore``); ``opener(path)`` opens one or raises OSError. Paired paths are
    watched even while absent, so a missing keypad is reported at start-up.
    """

    def __init__(
        self,
        config: KeypadConfig,
        post: Callable[[Any], None],
        *,
        lister: Callable[[], list[str]],
        opener: Callable[[str], KeypadDevice],
        store: PairingStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
        group_count: int | None = None,
    ) -> None:
        self.config = config
        self.post = post
        self.lister = lister
        self.opener = opener
        self.store = store if store is not None else PairingStore(config.pairings_file)
        self.clock = clock
        self.counters = counters
        self.service_count = service_count
        self.group_count = group_count
        self.stopping = threading.Event()
        # A pipe that becomes readable on close(), so a reader asleep in select() stops at once.
        self._stop_pipe = os.pipe()
        #: The simulated backend's keypads (None for the real backend).
        self.simulated: SimulatedKeypads | None = None
        self._readers: dict[str, _Reader] = {}
        self._lock = threading.Lock()
        self._scanner: threading.Thread | None = None

    def wanted(self, path: str) -> bool:
        """Does the config ask for this path?"""
        return any(fnmatch.fnmatch(path, p) for p in self.config.devices) and not any(
            fnmatch.fnmatch(path, p) for p in self.config.ignore
        )

    def start(self) -> None:
        """Start the scanner thread (which starts the readers)."""
        self._scanner = threading.Thread(target=self._scan_loop, name="keypad scanner", daemon=True)
        self._scanner.start()

    def scan(self) -> None:
        """Start a reader for each new path."""
        paths = [p for p in self.lister() if self.wanted(p)] + self.store.devices()
        with self._lock:
            for path in paths:
                if path not in self._readers and not self.stopping.is_set():
                    reader = _Reader(path, self)
                    self._readers[path] = reader
                    reader.thread.start()

    def _scan_loop(self) -> None:
        while not self.stopping.is_set():
            self.scan()
            self.stopping.wait(self.config.scan_interval_ms / 1000)

    def watched(self) -> list[str]:
        """Paths that have a reader."""
        with self._lock:
            return sorted(self._readers)

    def list_pairings(self) -> list[Pairing]:
        return self.store.list()

    def reset_pairings(self) -> int:
        return self.store.reset()

    @property
    def stop_fd(self) -> int:
        """Readable once the service is closing (readers select() on it with their device)."""
        return self._stop_pipe[0]

    def close(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        os.write(self._stop_pipe[1], b"x")
        if self._scanner is not None:
            self._scanner.join(timeout=5)
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.thread.join(timeout=5)
        if not any(reader.thread.is_alive() for reader in readers):
            for fd in self._stop_pipe:
                os.close(fd)



def find_devices(config: KeypadConfig) -> list[str]:
    """The device paths that match ``config.devices`` now (the real backend's lister, and ``kiosk doctor``)."""
    return sorted({path for pattern in config.devices for path in glob.glob(pattern)})
