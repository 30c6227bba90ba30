"""The simulated backend: scanners in memory that a test, a demo or the simulation page plugs in and scans with.

:class:`SimulatedScanners` is the "USB bus" (its ``list`` and ``open`` are the
service's lister and opener). A :class:`SimulatedScanner` is a
:class:`~drivers.inputs.simulated.SimulatedInputDevice` (the part of
``evdev.InputDevice`` the reader uses, and a pipe for its ``select()``) with a
name and a USB id; its :meth:`~SimulatedScanner.scan` types a code as a real
scanner set to the same layout does (:mod:`drivers.scanner.encoder`), so
everything but the last hop, the decoder included, runs as with a real scanner.
"""

from __future__ import annotations

from collections.abc import Iterable

from drivers.inputs.simulated import SimulatedBus, SimulatedInputDevice
from drivers.keypad.keycodes import KEY_CODES
from drivers.scanner.config import CounterScannerConfig, LayoutName, ScannerConfig
from drivers.scanner.encoder import Method, encode
from drivers.scanner.layouts import LAYOUTS
from drivers.scanner.matching import ScannerInfo

#: Where :meth:`SimulatedScanners.plug` puts a scanner unless told otherwise.
DEFAULT_PATH = "/dev/input/by-id/usb-Simulated_USB_Barcode_Scanner-event-kbd"
DEFAULT_NAME = "Simulated USB Barcode Scanner"
DEFAULT_USB_ID = "0c2e:0b61"


class SimulatedScanner(SimulatedInputDevice):
    """An in-memory scanner with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    """

    def __init__(self, path: str, *, name: str, usb_id: str | None, layout: LayoutName = "us") -> None:
        super().__init__(path)
        self.name = name
        self.vendor, self.product = (int(part, 16) for part in usb_id.split(":")) if usb_id else (None, None)
        self.layout = layout

    @property
    def info(self) -> ScannerInfo:
        """How a lister describes this scanner."""
        return ScannerInfo(self.path, self.name, self.vendor, self.product)

    def type_raw(self, keys: Iterable[tuple[int | str, int]]) -> bool:
        """Send key changes as they are: (key code or evdev key name, value 1 down / 0 up / 2 autorepeat).

        For garbage: any key, in any order. Returns False when no reader has the
        scanner open (the keys are lost, as on a real unplugged device).
        """
        return self.send_keys((KEY_CODES[key] if isinstance(key, str) else key, value) for key, value in keys)

    def scan(self, text: str, method: Method = "alt", *, suffix: str = "\n", held: bool = False) -> bool:
        """Scan a code holding ``text``: its keys as a real scanner set to this layout sends them.

        ``method`` is how letters the layout lacks are typed (see
        :mod:`drivers.scanner.encoder`); ``suffix`` is what the scanner adds
        ("\\n" Enter, "\\t" Tab, "" nothing: the code then ends in silence).
        Returns False when no reader has the scanner open.
        """
        return self.type_raw(encode(text + suffix, LAYOUTS[self.layout], method, held=held))


class SimulatedScanners(SimulatedBus[SimulatedScanner]):
    """The simulated backend's "USB bus": plug, unplug and scan with scanners."""

    def plug(
        self,
        path: str = DEFAULT_PATH,
        *,
        name: str = DEFAULT_NAME,
        usb_id: str | None = DEFAULT_USB_ID,
        layout: LayoutName = "us",
    ) -> SimulatedScanner:
        """Plug a (new) scanner in at ``path``."""
        return self._plug(SimulatedScanner(path, name=name, usb_id=usb_id, layout=layout))

    def plug_for(self, config: ScannerConfig | CounterScannerConfig, path: str = DEFAULT_PATH) -> SimulatedScanner:
        """Plug in a scanner that ``config`` finds (by its first USB id or name, else at a path it names)."""
        if not (config.usb_ids or config.names):
            path = config.devices[0].replace("*", "Simulated").replace("?", "x")
        name = f"Simulated {config.names[0]}" if config.names else DEFAULT_NAME
        usb_id = config.usb_ids[0] if config.usb_ids else DEFAULT_USB_ID
        return self.plug(path, name=name, usb_id=usb_id, layout=config.layout)

    def unplug(self, path: str = DEFAULT_PATH) -> None:
        super().unplug(path)

    def get(self, path: str = DEFAULT_PATH) -> SimulatedScanner:
        return super().get(path)

    def list(self) -> list[ScannerInfo]:
        """Every plugged scanner as the service's lister describes it."""
        with self._lock:
            return [self._plugged[path].info for path in sorted(self._plugged)]
