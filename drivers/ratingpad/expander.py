"""Rating pads on MCP23017 I2C expanders: :class:`ExpanderPads`, shared by both backends.

Each chip is opened with adafruit's ``MCP23017`` on the bus the backend's
opener gives (:mod:`drivers.ratingpad.i2c_real` on a Pi,
:mod:`drivers.ratingpad.i2c_simulated` anywhere): the pads' button pins become
inputs with pull-ups (pressed = low), their LED pins outputs. One thread polls
every chip each ``poll_ms`` (one 16-bit read of GPIOA/B per chip), feeds each
button's level to the buttons' pure :class:`~drivers.buttons.debounce.Debouncer`
and posts ``RatingPressed(counter, level)``; the same thread drives the LEDs
(one write of OLATA/B per chip when a bit changes), so only it talks on the bus.

Polling rather than the chip's interrupt line: 12 pads on 4 chips cost 400
two-byte reads a second at 100 kHz, well under 10% of the bus, and need no
extra wire to a GPIO.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.base import DeviceError
from drivers.buttons.debounce import Debouncer, Press
from drivers.buttons.events import RatingPressed
from drivers.buttons.panel import LedState
from drivers.ratingpad.base import RatingPadDriver
from drivers.ratingpad.config import ExpanderConfig, RatingPadsConfig
from drivers.ratingpad.events import RatingPadConnected, RatingPadDisconnected
from drivers.ratingpad.i2c_real import DEVICE

#: Seconds between attempts to reach a chip that stopped answering.
RETRY_SECONDS = 1.0
#: A held button is not a second press; the long-press time only has to exceed the debounce.
_LONG_PRESS_S = 3600.0


def chip_missing_fix(chip: ExpanderConfig) -> str:
    """What to do when the chip does not answer at its address."""
    return (
        f"check its wiring (SDA to GPIO 2, SCL to GPIO 3, VDD to 3V3, VSS to GND, RESET to 3V3) and that its "
        f"A0-A2 pins give {chip.address:#04x}; `i2cdetect -y {chip.bus}` lists the addresses that answer"
    )


@dataclass
class _Button:
    counter: int
    level: int
    pin: int
    debouncer: Debouncer
    raw: bool = False  # the level read last (True = pressed), before debouncing


@dataclass
class _Chip:
    config: ExpanderConfig
    device: Any = None  # the library's MCP23017 while the chip answers
    buttons: list[_Button] = field(default_factory=list)
    leds: dict[int, int] = field(default_factory=dict)  # counter -> pin
    latch: int | None = None  # the output bits last written
    retry_at: float = 0.0

    @property
    def name(self) -> str:
        return f"MCP23017 {self.config.address:#04x} on I2C bus {self.config.bus}"


class ExpanderPads(RatingPadDriver):
    """The pads on MCP23017 expanders, polled in one thread.

    ``open_bus(number)`` is the backend's last hop. The chips are opened and
    set up in the constructor: a bus or a chip that does not answer is a
    :class:`DeviceError` naming the fix. With ``background=False`` no thread
    runs and the caller calls :meth:`poll` (tests, with a fake ``clock``).
    """

    def __init__(
        self,
        config: RatingPadsConfig,
        post: Callable[[Any], None],
        open_bus: Callable[[int], Any],
        *,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        self.config = config
        self._post = post
        self._clock = clock
        self._background = background
        self._lock = threading.Lock()  # the LED wishes, set from the engine thread
        self._leds: dict[int, tuple[str, float]] = {}  # counter -> (state, since)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._buses: dict[int, Any] = {}
        self._chips: list[_Chip] = []
        by_id = {chip.id: _Chip(chip) for chip in config.expanders}
        debounce_s, now = config.debounce_ms / 1000, clock()
        for pad in config.pads:
            if pad.expander is None:
                continue
            chip = by_id[pad.expander]
            for level, pin in enumerate(pad.buttons, start=1):
                chip.buttons.append(_Button(pad.counter, level, pin, Debouncer(debounce_s, _LONG_PRESS_S, now=now)))
            if pad.led is not None:
                chip.leds[pad.counter] = pad.led
        self._chips = [chip for chip in by_id.values() if chip.buttons]
        try:
            for chip in self._chips:
                if chip.config.bus not in self._buses:
                    self._buses[chip.config.bus] = open_bus(chip.config.bus)
                try:
                    self._setup(chip)
                except OSError as exc:
                    raise DeviceError(
                        DEVICE, f"no answer from the {chip.name} ({exc})", chip_missing_fix(chip.config)
                    ) from exc
        except BaseException:
            self.close()  # the buses opened so far, and the chips set up
            raise

    @property
    def counters(self) -> list[int]:
        return [pad.counter for pad in self.config.pads if pad.expander is not None]

    def _setup(self, chip: _Chip) -> None:
        """Open the chip with the library and set its pins; OSError when it does not answer."""
        try:
            from adafruit_mcp230xx.mcp23017 import MCP23017
        except ImportError as exc:
            raise DeviceError(
                DEVICE, f"the MCP23017 library is not installed ({exc})", "pip install adafruit-circuitpython-mcp230xx"
            ) from exc

        try:
            device = MCP23017(self._buses[chip.config.bus], address=chip.config.address)
        except ValueError as exc:  # adafruit_bus_device: "No I2C device at address"
            raise OSError(str(exc)) from exc
        inputs = sum(1 << b.pin for b in chip.buttons)
        device.gpio = 0  # LEDs dark before their pins become outputs
        device.iodir = 0xFFFF & ~sum(1 << pin for pin in chip.leds.values())
        device.gppu = inputs
        chip.device, chip.latch = device, 0

    # ---- the poll thread ---------------------------------------------------

    def start(self) -> None:
        if self._background and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rating pads (I2C)", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.config.poll_ms / 1000):
            self.poll()

    def poll(self) -> None:
        """Read every chip once, post the presses that settled, and drive the LEDs."""
        now = self._clock()
        for chip in self._chips:
            if chip.device is None and not self._reconnect(chip, now):
                continue
            try:
                levels = chip.device.gpio
                for button in chip.buttons:
                    pressed = not levels & (1 << button.pin)
                    events = button.debouncer.poll(now)
                    if pressed != button.raw:  # a change since the last read is an edge
                        button.raw = pressed
                        events += button.debouncer.edge(pressed, now)
                    if any(isinstance(e, Press) for e in events):
                        self._post(RatingPressed(button.counter, button.level))
                self._drive_leds(chip, now)
            except OSError as exc:
                chip.device, chip.retry_at = None, now + RETRY_SECONDS
                problem = f"the {chip.name} stopped answering ({exc})"
                reason = str(DeviceError(DEVICE, problem, chip_missing_fix(chip.config)))
                for counter in sorted({b.counter for b in chip.buttons}):
                    self._post(RatingPadDisconnected(counter, chip.name, reason))

    def _reconnect(self, chip: _Chip, now: float) -> bool:
        if now < chip.retry_at:
            return False
        try:
            self._setup(chip)
        except OSError:
            chip.retry_at = now + RETRY_SECONDS
            return False
        for counter in sorted({b.counter for b in chip.buttons}):
            self._post(RatingPadConnected(counter, chip.name))
        return True

    def _drive_leds(self, chip: _Chip, now: float) -> None:
        blink_s = self.config.blink_ms / 1000
        with self._lock:
            wishes = {counter: self._leds.get(counter, ("off", 0.0)) for counter in chip.leds}
        latch = 0
        for counter, (state, since) in wishes.items():
            # Blinking starts lit, on for blink_ms then off for blink_ms, as the GPIO rating LEDs;
            # "fast" (the reasons are being asked) blinks four times as fast.
            period = {"blink": blink_s, "fast": blink_s / 4}.get(state)
            lit = state in ("steady", "on") or (period is not None and int((now - since) / period) % 2 == 0)
            latch |= lit << chip.leds[counter]
        if latch != chip.latch:
            chip.device.gpio = latch
            chip.latch = latch

    # ---- the rest of the contract -----------------------------------------

    def set_led(self, counter: int, state: LedState | str) -> None:
        with self._lock:
            self._leds[counter] = (state, self._clock())

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        for chip in self._chips:
            if chip.device is not None and chip.leds:
                try:
                    chip.device.gpio = 0  # LEDs dark when the kiosk stops
                except OSError:
                    pass
        for bus in self._buses.values():
            deinit = getattr(bus, "deinit", None)
            if deinit is not None:
                deinit()
