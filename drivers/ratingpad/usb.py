"""Rating pads that are USB keypads: :class:`UsbPads`, shared by both backends.

A cheap four-key USB keypad is a keyboard to Linux. It is found and read as
the card scanner and the officers' keypads are (:mod:`drivers.inputs.reading`'s
threads, :mod:`drivers.scanner.matching`'s rules): each ``[[rating_pads.pads]]``
with ``usb`` names its device by USB id, a part of its name or a path pattern,
and the first device it matches that no earlier pad holds is that counter's
pad. A reader grabs it at once and always (its keys must never reach the board
window), posts ``RatingPressed(counter, level)`` for each key press whose key
is a level's (``keys``; default ``KEY_1``.. or ``KEY_KP1``..), ignores key-up
and auto-repeat, and reopens the pad with a doubling wait after a failure.

The backend is two callables, as for the scanner: ``lister()`` (every input
device, as :class:`~drivers.scanner.matching.ScannerInfo`) and
``opener(path)``: :func:`evdev_backend` on a Pi,
:class:`~drivers.ratingpad.usb_simulated.SimulatedUsbPads` anywhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from drivers.base import DeviceError
from drivers.buttons.events import RatingPressed
from drivers.inputs.reading import Fixes, InputDevice, InputReader, InputService, disconnect_reason, read_ready
from drivers.keypad.keycodes import EV_KEY, KEY_CODES
from drivers.ratingpad.base import RatingPadDriver
from drivers.ratingpad.config import PadConfig, RatingPadsConfig
from drivers.ratingpad.events import RatingPadConnected, RatingPadDisconnected
from drivers.ratingpad.i2c_real import DEVICE
from drivers.scanner.config import ScannerConfig
from drivers.scanner.matching import ScannerInfo, matches

Lister = Callable[[], list[ScannerInfo]]
Opener = Callable[[str], InputDevice]

_FIXES = Fixes(
    not_plugged="plug it in; `ls -l /dev/input/by-path/` lists the USB keyboards the Pi sees",
    unplugged="plug it back in: it is found again by itself",
    busy="stop the other program (a second kiosk?)",
)
_IDLE_POLL_S = 1.0  # a reader wakes without input only to notice close()


def not_found(pad: PadConfig) -> DeviceError:
    """Why a pad has no device, and the fix."""
    assert pad.usb is not None
    looked = pad.usb.usb_ids + [repr(n) for n in pad.usb.names] + pad.usb.devices
    return DeviceError(
        f"rating pad of counter {pad.counter}", f"no USB keypad found (looked for {', '.join(looked)})",
        "plug it in, or set usb in its [[rating_pads.pads]] to its USB id, name or port (`ls -l /dev/input/by-path/`); "
        "the kiosk user must be in the input group",
    )


class _Reader(InputReader):
    """One pad's device: grabbed, read, reopened; it ends when the device is gone."""

    service: UsbPads

    def __init__(self, path: str, service: UsbPads, pad: PadConfig) -> None:
        super().__init__(path, service, "rating pad")
        self.pad = pad
        self.levels = {KEY_CODES[key]: level for level, keys in enumerate(pad.level_keys(service.scale), start=1)
                       for key in keys}

    def open(self) -> InputDevice | None:
        try:
            still = any(info.path == self.path for info in self.service.lister())
        except Exception:  # the lister failing: the finder starts a reader again
            still = False
        return self.service.opener(self.path) if still else None

    def reason(self, exc: Exception) -> str:
        return disconnect_reason(f"rating pad {self.path}", exc, _FIXES)

    def disconnected(self, reason: str) -> RatingPadDisconnected:
        return RatingPadDisconnected(self.pad.counter, self.path, reason)

    def ended(self) -> None:
        self.service._ended(self)

    def serve(self, device: InputDevice) -> None:
        service = self.service
        device.grab()  # before any key is read
        self.connected(RatingPadConnected(self.pad.counter, self.path))
        while not service.stopping.is_set():
            for event in read_ready(device, service.stop_fd, _IDLE_POLL_S):
                # value 1: key down; 0 (up) and 2 (auto-repeat of a held key) are no press.
                if event.type == EV_KEY and event.value == 1 and event.code in self.levels:
                    service.post(RatingPressed(self.pad.counter, self.levels[event.code]))


class UsbPads(InputService, RatingPadDriver):
    """Finds each USB pad by its match, reads it in its own thread, finds it again after unplugging."""

    config: RatingPadsConfig

    def __init__(
        self,
        config: RatingPadsConfig,
        post: Callable[[Any], None],
        *,
        scale: int,
        lister: Lister,
        opener: Opener,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config, post, clock)
        self.scale = scale
        self.lister = lister
        self.opener = opener
        self.pads = [pad for pad in config.pads if pad.usb is not None]
        self._matches = [(pad, pad.usb.as_scanner()) for pad in self.pads if pad.usb is not None]
        self._looked = False
        self._pad_of = {pad.counter: pad for pad in self.pads}
        #: The pad each device path was assigned to (new_reader makes that pad's reader).
        self._pad_at: dict[str, PadConfig] = {}
        #: The simulated backend's pads (None for the real backend).
        self.simulated: Any = None

    @property
    def counters(self) -> list[int]:
        return [pad.counter for pad in self.pads]

    def assign(self, seen: list[ScannerInfo], held: dict[int, str] | None = None) -> dict[int, ScannerInfo]:
        """Which device each pad without one (``held``: counter -> path of the pads being read) gets:
        the first it matches that no other pad holds or took."""
        held = held or {}
        taken = set(held.values())
        found: dict[int, ScannerInfo] = {}
        for pad, match in self._matches:
            if pad.counter in held:
                continue
            info = next((i for i in seen if i.path not in taken and matches(match, i)), None)
            if info is not None:
                found[pad.counter] = info
                taken.add(info.path)
        return found

    def held(self) -> dict[int, str]:
        """The device path each pad being read has, by counter."""
        with self._lock:
            return self._held()

    def _held(self) -> dict[int, str]:  # the caller holds self._lock
        return {r.pad.counter: path for path, r in self._readers.items() if isinstance(r, _Reader)}

    def new_reader(self, path: str) -> _Reader:
        return _Reader(path, self, self._pad_at[path])

    def refresh(self) -> None:
        """Look for the pads now and start a reader for each one found."""
        seen = self.lister()
        with self._lock:
            held = self._held()
            found = self.assign(seen, held)
            self._pad_at.update({info.path: self._pad_of[counter] for counter, info in found.items()})
            self._start_readers(info.path for info in found.values())
            first, self._looked = not self._looked, True
        if first:
            for pad in self.pads:
                if pad.counter not in found and pad.counter not in held:
                    self.post(RatingPadDisconnected(pad.counter, "", str(not_found(pad))))

    def start(self) -> None:
        self._start_looking(self._find_loop, "rating pad finder")

    def _find_loop(self) -> None:
        failure: str | None = None
        while not self.stopping.is_set():
            try:
                self.refresh()
                failure = None
            except Exception as exc:  # a lister failing (a folder gone) must not end the search
                reason = disconnect_reason("rating pad finder", exc, _FIXES)
                if reason != failure:  # said once, not every few seconds
                    failure = reason
                    for pad in self.pads:
                        self.post(RatingPadDisconnected(pad.counter, "", reason))
            self.stopping.wait(self.config.scan_interval_ms / 1000)


def evdev_backend(config: RatingPadsConfig, input_dir: str = "/dev/input") -> tuple[Lister, Opener]:
    """The real last hop: the scanner's lister of evdev devices and ``evdev.InputDevice``; DeviceError naming the fix."""
    try:
        import evdev

        from drivers.scanner.evdev_backend import EvdevLister
    except ImportError as exc:
        raise DeviceError(DEVICE, f"python-evdev is not installed ({exc})", "pip install evdev") from exc
    if not os.path.isdir(input_dir):
        raise DeviceError(
            DEVICE, f"this machine has no {input_dir}", 'run on the Pi, or set backend = "simulated" in [rating_pads]'
        )
    patterns = [p for pad in config.pads if pad.usb is not None for p in pad.usb.devices]
    return EvdevLister(evdev, ScannerConfig(devices=patterns), input_dir), evdev.InputDevice
