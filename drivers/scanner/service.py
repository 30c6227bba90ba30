"""The scanner's threads, backend-neutral: :class:`ScannerService` and its readers.

A finder thread asks the backend's ``lister()`` for the input devices every
``scan_interval_ms`` and starts a reader for each one that is a scanner of the
config (:func:`~drivers.scanner.matching.role_of`). A reader opens its device, grabs
it at once and always (a scanner types like a keyboard: its keys must never
reach the board window or a shell), feeds every event to a
:class:`~drivers.scanner.handler.ScanHandler` and posts what comes out. After a
failure it posts :class:`ScannerDisconnected` and tries again with a doubling
wait; once the device is gone it ends, and the finder starts a new reader when
the scanner is plugged in again. One service reads the ticket machine's
scanner (``[scanner]``) and the counters' (``[[counter_scanners]]``): each
device gets a :class:`ScannerRole` when its reader opens it, and every code it
reads is tagged with the role's counter. The backend is two callables:
:mod:`drivers.scanner.evdev_backend` for real scanners,
:mod:`drivers.scanner.simulated` for scanners in memory. What the keypads'
service does alike (the stop pipe, the readers by path, reopening, the reason
for a failure) is :mod:`drivers.inputs.reading`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from drivers.base import DeviceError
from drivers.inputs.reading import (
    FIX_INPUT_GROUP,
    Fixes,
    InputDevice,
    InputReader,
    InputService,
    disconnect_reason,
    read_ready,
)
from drivers.scanner.config import CounterScannerConfig, ScannerConfig
from drivers.scanner.events import ScannerConnected, ScannerDisconnected
from drivers.scanner.handler import ScanHandler
from drivers.scanner.matching import ScannerInfo, ScannerRole, role_of

if TYPE_CHECKING:
    from drivers.scanner.simulated import SimulatedScanners


class ScannerDevice(InputDevice, Protocol):
    """What the reader needs of a device: ``evdev.InputDevice`` and
    :class:`~drivers.scanner.simulated.SimulatedScanner` both fit.

    ``read()`` yields the events ready, raises BlockingIOError when there are
    none, and OSError once the device is gone.
    """


#: The backend's two callables: every input device it sees, and opening one by its path.
Lister = Callable[[], list[ScannerInfo]]
Opener = Callable[[str], ScannerDevice]

_FIXES = Fixes(
    not_plugged="plug it in; `python -m drivers.scanner CONFIG` lists the input devices",
    unplugged="plug it back in: it is found again by itself",
    busy="stop the other program (a second kiosk, or the driver's check)",
    quote_unexpected=False,  # only the type: a message might quote what was being read
)


def _reason(device: str, exc: Exception) -> str:
    """What a ScannerDisconnected says for ``exc``: what is wrong with ``device`` and the fix."""
    return disconnect_reason(f"scanner {device}", exc, _FIXES)


def not_found_error(
    config: ScannerConfig | CounterScannerConfig, seen: list[ScannerInfo], section: str = "[scanner]"
) -> DeviceError:
    """No input device in ``seen`` is the scanner: what was looked for, and what to do.

    ``section`` names where the keys are (``[scanner]``, or ``counter_scanners[2]``).
    """
    looked = [f"USB ids {', '.join(config.usb_ids)}"] if config.usb_ids else []
    looked += [f"names containing {' or '.join(repr(n) for n in config.names)}"] if config.names else []
    looked += [f"paths {', '.join(config.devices)}"] if config.devices else []
    unreadable = sum(1 for info in seen if info.error)
    fix = f"plug it in, or set usb_ids, names or devices in {section} to what `python -m drivers.scanner CONFIG` lists"
    if unreadable:
        fix = f"{unreadable} input device(s) cannot be read: {FIX_INPUT_GROUP}; then {fix}"
    device = "scanner" if isinstance(config, ScannerConfig) else f"scanner of counter {config.counter}"
    return DeviceError(device, f"no barcode scanner found (looked for {'; '.join(looked)})", fix)


_IDLE_POLL_S = 1.0  # a reader with no code being read wakes only to notice close()


class _Reader(InputReader):
    """Opens one scanner, serves it, reopens it after a failure; ends when it is gone."""

    service: ScannerService
    info: ScannerInfo  # the device as the lister described it when open() found it
    role: ScannerRole  # what it is for, decided when open() found it

    def __init__(self, path: str, service: ScannerService) -> None:
        super().__init__(path, service, "scanner")

    def open(self) -> ScannerDevice | None:
        try:
            info = self.service.current(self.path)
        except Exception:  # the lister failing: the finder reports it and starts a reader again
            info = None
        role = self.service.role_of(info) if info is not None else None
        if info is None or role is None:
            return None  # unplugged (or now another device): the finder starts a reader when it is back
        self.info, self.role = info, role
        return self.service.opener(self.path)

    def reason(self, exc: Exception) -> str:
        return _reason(self.path, exc)

    def disconnected(self, reason: str) -> ScannerDisconnected:
        return ScannerDisconnected(self.path, reason)

    def ended(self) -> None:
        self.service._ended(self)

    def serve(self, device: ScannerDevice) -> None:
        """Read events until the device fails (OSError) or the service stops."""
        service = self.service
        handler = ScanHandler(self.path, service.config, counter=self.role.counter, layout=self.role.layout)
        device.grab()  # always, before any key is read: a scanner's keys belong to the kiosk alone
        self.connected(ScannerConnected(self.path, self.info.name))
        poll = max(0.005, min(0.05, handler.end_gap_s / 4))
        while not service.stopping.is_set():
            events = read_ready(device, service.stop_fd, poll if handler.pending else _IDLE_POLL_S)
            # One clock reading for all the events read at once: they were waiting together, so a reader
            # held up in the middle of a long scan (hundreds of Alt-code keys) sees no silence inside it.
            now = service.clock()
            for event in events:
                for out in handler.handle_event(event, now):
                    service.post(out)
            for out in handler.tick(service.clock()):
                service.post(out)


class ScannerService(InputService):
    """Finds the scanners, reads each in its own thread, finds them again after unplugging.

    ``config`` is ``[scanner]`` (None: the ticket machine has none) and gives
    the timing of every scanner; ``counter_scanners`` are the counters' scanners.
    ``lister()`` describes every input device the backend sees; ``opener(path)``
    opens one or raises OSError. For each configured scanner that no device
    matches at the first look, one :class:`ScannerDisconnected` with device ""
    says so and how to fix it.
    """

    config: ScannerConfig

    def __init__(
        self,
        config: ScannerConfig | None,
        post: Callable[[Any], None],
        *,
        lister: Lister,
        opener: Opener,
        clock: Callable[[], float] = time.monotonic,
        counter_scanners: Sequence[CounterScannerConfig] = (),
    ) -> None:
        if config is None and not counter_scanners:
            raise ValueError("no scanner to read: give [scanner] or at least one counter scanner")
        # Without [scanner], its defaults give the timing (its default names are never matched: machine is None).
        backend = config.backend if config is not None else counter_scanners[0].backend
        super().__init__(config if config is not None else ScannerConfig(backend=backend), post, clock)
        #: The ticket machine's scanner (None: it has none).
        self.machine = config
        self.counter_scanners = tuple(counter_scanners)
        self.lister = lister
        self.opener = opener
        #: The simulated backend's scanners (None for the real backend).
        self.simulated: SimulatedScanners | None = None
        self._looked = False

    def role_of(self, info: ScannerInfo) -> ScannerRole | None:
        """What the device ``info`` is for (:func:`~drivers.scanner.matching.role_of`); None: no scanner of ours."""
        return role_of(info, self.machine, self.counter_scanners)

    def found(self) -> list[ScannerInfo]:
        """The input devices that are a scanner of the config now."""
        return [info for info in self.lister() if self.role_of(info) is not None]

    def current(self, path: str) -> ScannerInfo | None:
        """The device at ``path`` if it is still there and still the scanner."""
        return next((info for info in self.found() if info.path == path), None)

    def new_reader(self, path: str) -> _Reader:
        return _Reader(path, self)

    def start(self) -> None:
        """Start the finder thread (which starts the readers)."""
        self._start_looking(self._find_loop, "scanner finder")

    def refresh(self) -> None:
        """Look for scanners now and start a reader for each new one."""
        seen = self.lister()
        roles = {info.path: self.role_of(info) for info in seen}
        wanted = [path for path, role in roles.items() if role is not None]
        with self._lock:
            self._start_readers(wanted)
            first, self._looked = not self._looked, True
        if not first:
            return
        found = {role.counter for role in roles.values() if role is not None}
        if self.machine is not None and None not in found:
            self.post(ScannerDisconnected("", str(not_found_error(self.machine, seen))))
        for i, entry in enumerate(self.counter_scanners, start=1):
            if entry.counter not in found:
                error = not_found_error(entry, seen, f"counter_scanners[{i}]")
                self.post(ScannerDisconnected("", str(error)))

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
