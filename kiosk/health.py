"""The health of the office's devices as the heartbeat tells central: ``"devices"``.

Central's operations room raises its alerts from it (printer out of paper,
camera or microphone lost). Each device is one of :data:`STATES`:

- ``ok``: working (a printer with low paper still prints: ``ok``);
- ``paper_out``: the printer has no paper (no number is issued);
- ``lost``: it worked and stopped answering (printer offline or unplugged, no
  frame from the camera, the microphone gone);
- ``off``: configured but switched off (``[camera] enabled = false``, a
  microphone the stream does not use);
- ``error``: it could not be opened at start (the technician's fix is in the
  log and in ``kiosk doctor``).

A device the office has no section for is left out, and so is one whose probe
failed this time (``microphone`` is reported only by the stream publisher).
Nothing here touches a device from the sync thread but the camera's latest
frame: the printer's state is the print worker's last poll (every 2 s), and
the camera and microphone come from the stream publisher's ``status()`` when
one runs (see docs/sync-protocol.md, "Heartbeat").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from drivers.base import DeviceError
from drivers.printer import PrinterState

if TYPE_CHECKING:  # the sync worker imports this module: it need not load every device's driver
    from kiosk.config import Config
    from kiosk.devices import Devices
    from kiosk.printing import PrintWorker

log = logging.getLogger(__name__)

#: What a device can be, as central takes it.
DeviceState = Literal["ok", "paper_out", "lost", "off", "error"]
STATES: frozenset[str] = frozenset(get_args(DeviceState))

#: The devices a heartbeat reports, as central takes them.
DEVICES = ("printer", "camera", "microphone")

_PRINTER = {
    PrinterState.OK: "ok",
    PrinterState.PAPER_LOW: "ok",  # it still prints; the board already asks for a new roll
    PrinterState.PAPER_OUT: "paper_out",
    PrinterState.OFFLINE: "lost",
}


class Publisher(Protocol):
    """What health needs of the stream publisher (:mod:`drivers.stream`)."""

    def status(self) -> Mapping[str, Any]:
        """``{"camera": S, "microphone": S, ...}``, S in ok, lost, off, error; cheap, from any thread."""


def printer_state(worker: PrintWorker) -> DeviceState | None:
    """The printer as the heartbeat says it, from the worker's last poll (None before the first)."""
    from kiosk.devices import MissingPrinter

    if isinstance(worker.printer, MissingPrinter):
        return "error"
    status = worker.status
    return None if status is None else _PRINTER[status.state]  # type: ignore[return-value]


class DeviceHealth:
    """``health()`` → ``{"printer": "paper_out", "camera": "ok", ...}``: the heartbeat's ``"devices"``.

    ``config`` gives the office's current configuration; ``stream`` the stream
    publisher while one runs, else None (it then speaks for the camera and the
    microphone). Called from the sync thread; a probe that raises leaves its
    device out of this heartbeat, logged once until it works again.
    """

    def __init__(self, devices: Devices, config: Callable[[], Config],
                 stream: Callable[[], Publisher | None] | None = None) -> None:
        self.devices = devices
        self.config = config
        self.stream = stream
        self._failing: set[str] = set()  # probes whose failure is logged already

    def __call__(self) -> dict[str, str]:
        found: dict[str, str] = {}
        self._probe("printer", self._printer, found)
        self._probe("stream", self._stream, found)
        if "camera" not in found:
            self._probe("camera", self._camera, found)
        return found

    def _probe(self, name: str, probe: Callable[[], Mapping[str, Any]], found: dict[str, str]) -> None:
        try:
            states = probe()
        except Exception as exc:  # a broken probe must never cost the heartbeat
            if name not in self._failing:
                self._failing.add(name)
                log.warning("device health: the %s probe failed: %r", name, exc)
            return
        self._failing.discard(name)
        for device, state in states.items():
            if device in DEVICES and state in STATES:
                found.setdefault(device, state)

    def _printer(self) -> dict[str, str]:
        worker = self.devices.printer
        state = printer_state(worker) if worker is not None else None
        return {} if state is None else {"printer": state}

    def _stream(self) -> Mapping[str, Any]:
        publisher = self.stream() if self.stream is not None else None
        if publisher is None:
            return {}
        status = publisher.status()
        return {device: status[device] for device in ("camera", "microphone") if device in status}

    def _camera(self) -> dict[str, str]:
        """The counter camera when no stream publisher speaks for it."""
        section = self.config().camera
        if section is None:
            return {}
        if not section.enabled:
            return {"camera": "off"}
        camera = self.devices.camera
        if camera is None:
            return {"camera": "error"}  # enabled, but it could not be opened at start
        if camera.closed:
            return {"camera": "off"}
        try:
            camera.latest_jpeg()  # at once while frames come; a stalled camera answers after stall_timeout_s
        except DeviceError:
            return {"camera": "lost"}
        return {"camera": "ok"}


class HeartbeatDevices:
    """``health()`` as the heartbeat's ``"devices"``: known devices and states only (the sync worker holds one).

    Calling it gives None when there is nothing to say, or when ``health`` itself
    raised (logged once until it works again): the heartbeat then goes without
    the key, never not at all.
    """

    def __init__(self, health: Callable[[], Mapping[str, Any]] | None) -> None:
        self.health = health
        self._failing: str | None = None  # the error last logged

    def __call__(self) -> dict[str, str] | None:
        if self.health is None:
            return None
        try:
            states = self.health()
            devices = {device: state for device, state in states.items() if device in DEVICES and state in STATES}
        except Exception as exc:
            if repr(exc) != self._failing:  # once, not with every heartbeat
                self._failing = repr(exc)
                log.exception("device health not reported in the heartbeat (until it works again)")
            return None
        self._failing = None
        return devices or None
