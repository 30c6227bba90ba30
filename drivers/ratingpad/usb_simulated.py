"""The simulated last hop of the USB pads: four-key keypads in memory that a test, a demo or /sim presses.

:class:`SimulatedUsbPads` is the "USB bus" (its :meth:`~SimulatedUsbPads.list`
and ``open`` are the service's lister and opener); each
:class:`SimulatedUsbPad` is a :class:`~drivers.inputs.simulated.SimulatedInputDevice`
(the part of ``evdev.InputDevice`` the reader uses, and a pipe for its
``select()``) with a name and a USB id, so the matching, the grab and the key
handling run as with a real pad.
"""

from __future__ import annotations

from drivers.inputs.simulated import SimulatedBus, SimulatedInputDevice
from drivers.keypad.keycodes import KEY_CODES
from drivers.ratingpad.config import PadConfig
from drivers.scanner.matching import ScannerInfo

DEFAULT_NAME = "Simulated USB Rating Pad"


class SimulatedUsbPad(SimulatedInputDevice):
    """An in-memory USB keypad."""

    def __init__(self, path: str, *, name: str, usb_id: str | None) -> None:
        super().__init__(path)
        self.name = name
        self.vendor, self.product = (int(part, 16) for part in usb_id.split(":")) if usb_id else (None, None)

    @property
    def info(self) -> ScannerInfo:
        """How a lister describes this pad."""
        return ScannerInfo(self.path, self.name, self.vendor, self.product)

    def tap(self, key_name: str) -> bool:
        """Press and release ``key_name`` (``KEY_1``...); False when no reader has the pad open."""
        code = KEY_CODES[key_name]
        return self.send_keys([(code, 1), (code, 0)])


class SimulatedUsbPads(SimulatedBus[SimulatedUsbPad]):
    """The simulated backend's "USB bus": plug, unplug and press pads."""

    def plug(self, path: str, *, name: str = DEFAULT_NAME, usb_id: str | None = None) -> SimulatedUsbPad:
        """Plug a (new) pad in at ``path``."""
        return self._plug(SimulatedUsbPad(path, name=name, usb_id=usb_id))

    def plug_for(self, pad: PadConfig) -> SimulatedUsbPad:
        """Plug in a pad that ``pad``'s match finds: at a path its pattern matches, with its name and USB id."""
        assert pad.usb is not None
        match = pad.usb
        path = f"/dev/input/by-id/usb-Simulated_Rating_Pad_counter{pad.counter}-event-kbd"
        if match.devices:
            path = match.devices[0].replace("*", f"counter{pad.counter}").replace("?", "x")
        name = f"Simulated {match.names[0]}" if match.names else DEFAULT_NAME
        return self.plug(path, name=name, usb_id=match.usb_ids[0] if match.usb_ids else None)

    def list(self) -> list[ScannerInfo]:
        """Every plugged pad as the service's lister describes it."""
        with self._lock:
            return [self._plugged[path].info for path in sorted(self._plugged)]
