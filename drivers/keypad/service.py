"""The keypads' threads, backend-neutral: :class:`KeypadService` and its readers.

A scanner thread finds keypads by their stable ``/dev/input/by-id/`` path; one
reader thread per path opens it, grabs it once it is paired (so its keys never
reach the board window), feeds every event to a
:class:`~drivers.keypad.handler.KeypadHandler`, and reopens it after
unplugging with a backoff. The backend is two callables given to the service:
``lister()`` (the candidate paths) and ``opener(path)`` (a
:class:`KeypadDevice`): :mod:`drivers.keypad.evdev_backend` for real keypads,
:mod:`drivers.keypad.simulated` for keypads in memory. What the scanner's
service does alike (the stop pipe, the readers by path, reopening, the reason
for a failure) is :mod:`drivers.inputs.reading`.
"""

from __future__ import annotations

import fnmatch
import glob
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol

from drivers.inputs.reading import Fixes, InputDevice, InputReader, InputService, disconnect_reason, read_ready
from drivers.inputs.reading import next_backoff as next_backoff  # re-exported: the keypad's tests import it from here
from drivers.keypad.config import KeypadConfig
from drivers.keypad.events import KeypadConnected, KeypadDisconnected
from drivers.keypad.handler import KeypadHandler
from drivers.keypad.keycodes import LED_NUML
from drivers.keypad.pairing import Pairing, PairingStore

if TYPE_CHECKING:
    from drivers.keypad.simulated import SimulatedKeypads


class KeypadDevice(InputDevice, Protocol):
    """What the reader needs of a device: ``evdev.InputDevice`` and
    :class:`~drivers.keypad.simulated.SimulatedKeypad` both fit.

    ``read()`` yields the events ready (each fits
    :class:`~drivers.inputs.input_events.InputEvent`), raises BlockingIOError
    when there are none, and OSError once the device is gone.
    """

    def set_led(self, led_num: int, value: int) -> None: ...


_FIXES = Fixes(
    not_plugged="plug it in; `ls /dev/input/by-id/` lists the keypads the Pi sees",
    unplugged="plug it back in: it is reopened by itself",
    busy="stop the other program (a second kiosk?)",
)


def _reason(device: str, exc: Exception) -> str:
    """What a KeypadDisconnected says for ``exc``: what is wrong with ``device`` and the fix."""
    return disconnect_reason(f"keypad {device}", exc, _FIXES)


_POLL_S = 0.1  # how often a reader wakes up without input while a key press is timing
# Otherwise it wakes only to notice a pairing made by another keypad: six
# keypads polling ten times a second cost 0.7% of a core at idle.
_IDLE_POLL_S = 1.0


class _Reader(InputReader):
    """Opens one device path, serves it, and reopens it after a failure."""

    service: KeypadService

    def __init__(self, path: str, service: KeypadService) -> None:
        super().__init__(path, service, "keypad")

    def open(self) -> KeypadDevice:
        return self.service.opener(self.path)

    def reason(self, exc: Exception) -> str:
        return _reason(self.path, exc)

    def disconnected(self, reason: str) -> KeypadDisconnected:
        return KeypadDisconnected(self.path, self.service.store.counter_for(self.path), reason)

    def serve(self, device: KeypadDevice) -> None:
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
        self.connected(KeypadConnected(self.path, handler.counter))
        while not service.stopping.is_set():
            timeout = _POLL_S if handler.timing else _IDLE_POLL_S
            events = read_ready(device, service.stop_fd, timeout)
            now = service.clock()  # one reading for the events read at once, as the scanner's reader does
            for event in events:
                handler.handle_event(event, now)
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


class KeypadService(InputService, KeypadInput):
    """Finds keypads, reads each in its own thread, reconnects them.

    ``lister()`` returns candidate device paths (filtered here by ``devices`` and
    ``ignore``); ``opener(path)`` opens one or raises OSError. Paired paths are
    watched even while absent, so a missing keypad is reported at start-up.
    """

    config: KeypadConfig

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
        self.store = store if store is not None else PairingStore(config.pairings_file)
        super().__init__(config, post, clock)
        self.lister = lister
        self.opener = opener
        self.counters = counters
        self.service_count = service_count
        self.group_count = group_count
        #: The simulated backend's keypads (None for the real backend).
        self.simulated: SimulatedKeypads | None = None

    def wanted(self, path: str) -> bool:
        """Does the config ask for this path?"""
        return any(fnmatch.fnmatch(path, p) for p in self.config.devices) and not any(
            fnmatch.fnmatch(path, p) for p in self.config.ignore
        )

    def new_reader(self, path: str) -> _Reader:
        return _Reader(path, self)

    def start(self) -> None:
        """Start the scanner thread (which starts the readers)."""
        self._start_looking(self._scan_loop, "keypad scanner")

    def scan(self) -> None:
        """Start a reader for each new path."""
        paths = [p for p in self.lister() if self.wanted(p)] + self.store.devices()
        with self._lock:
            self._start_readers(paths)

    def _scan_loop(self) -> None:
        while not self.stopping.is_set():
            self.scan()
            self.stopping.wait(self.config.scan_interval_ms / 1000)

    def list_pairings(self) -> list[Pairing]:
        return self.store.list()

    def reset_pairings(self) -> int:
        return self.store.reset()


def find_devices(config: KeypadConfig) -> list[str]:
    """The device paths that match ``config.devices`` now (the real backend's lister, and ``kiosk doctor``)."""
    return sorted({path for pattern in config.devices for path in glob.glob(pattern)})
