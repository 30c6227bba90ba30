"""Citizens' push buttons and their LEDs, on the Pi's GPIO header (gpiozero).

Buttons: one per service, an optional priority button, and per counter a row of
rating buttons (best level first). Each button is wired between its GPIO pin and
GND (the pin's internal pull-up holds it high; pressed = low). Each button may
have an LED, driven high = lit, through a transistor if the lamp needs more than
a few mA.

Presses are debounced in our own code (:mod:`drivers.debounce`) and turned into
small frozen events posted to ``post(event)``: :class:`ServicePressed`,
:class:`RatingPressed`, :class:`PriorityArmed`, :class:`PriorityExpired`,
:class:`ButtonHeld`. The panel never acts on a press itself.

Backends differ only in gpiozero's pin factory: ``real`` opens lgpio (all Pi
models, including the Pi 5), ``simulated`` uses gpiozero's ``MockFactory``, whose
pins a test or a demo drives with ``drive_low()``/``drive_high()``.

Threads: on a Pi, lgpio calls back from its own thread, and a ticker thread of
this module wakes up when a debounce or long-press deadline is due. Both take
one lock, feed the pure :class:`~drivers.debounce.Debouncer` and post while
holding it (so events of one button are posted in order). ``post`` must be
quick and must not call back into the panel: ``queue.Queue.put`` is right.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drivers.base import Backend, DeviceError
from drivers.debounce import Debouncer, LongPress, Press

#: GPIO numbers (BCM) on the 40-pin header.
GPIO_PINS = range(0, 28)

#: Pins the kiosk never lets a button or LED use, and why.
RESERVED_PINS: dict[int, str] = {
    0: "GPIO 0 (ID_SD) belongs to the HAT ID EEPROM that the Pi firmware reads at boot",
    1: "GPIO 1 (ID_SC) belongs to the HAT ID EEPROM that the Pi firmware reads at boot",
}

LedState = Literal["steady", "on", "off", "blink"]
"""``steady`` (or ``on``): lit; ``off``: dark; ``blink``: on/off every ``blink_ms``."""

_LED_STATES = ("steady", "on", "off", "blink")


# --------------------------------------------------------------------------
# Events posted to the app
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServicePressed:
    """A citizen asked for a ticket for ``service_id``; ``priority`` if by the priority button."""

    service_id: str
    priority: bool = False


@dataclass(frozen=True)
class RatingPressed:
    """A citizen pressed rating ``level`` (1 = best, as in ``[buttons.rating]``) at ``counter``."""

    counter: int
    level: int


@dataclass(frozen=True)
class PriorityArmed:
    """The priority button (bound to no service) was pressed: the next service press
    within ``window_s`` seconds is a priority ticket. The app may blink the priority
    LED and say "mời chọn dịch vụ"."""

    window_s: float


@dataclass(frozen=True)
class PriorityExpired:
    """The priority window ended without a service press."""


@dataclass(frozen=True)
class ButtonHeld:
    """A button was held down for ``long_press_ms``. It gives no second ticket or
    rating; it is posted so the app can log it (a button that keeps reporting this
    is stuck or mis-wired). ``button`` is its config key, e.g. ``services.car``."""

    button: str


ButtonsEvent = ServicePressed | RatingPressed | PriorityArmed | PriorityExpired | ButtonHeld


# --------------------------------------------------------------------------
# Configuration: the [buttons] section
# --------------------------------------------------------------------------

Pin = int


def _pin_field(description: str, optional: bool = False) -> Any:
    if optional:
        return Field(default=None, ge=min(GPIO_PINS), le=max(GPIO_PINS), description=description)
    return Field(ge=min(GPIO_PINS), le=max(GPIO_PINS), description=description)


class ServiceButtonConfig(BaseModel):
    """One service's ticket button."""

    model_config = ConfigDict(extra="forbid")

    button: Pin = _pin_field("GPIO (BCM) number of the button; wired to GND.")
    led: Pin | None = _pin_field("GPIO (BCM) number of the button's LED; omit if none.", optional=True)


class PriorityButtonConfig(BaseModel):
    """The priority button (elderly, disabled, people with revolutionary contributions)."""

    model_config = ConfigDict(extra="forbid")

    button: Pin = _pin_field("GPIO (BCM) number of the priority button; wired to GND.")
    led: Pin | None = _pin_field("GPIO (BCM) number of its LED; omit if none.", optional=True)
    service: str | None = Field(
        default=None,
        description="If set, the priority button gives a priority ticket for this service at once. "
        "If not set, the citizen presses the priority button and then a service button within "
        "window_ms.",
    )
    window_ms: int = Field(
        default=10_000, ge=1000, le=60_000, description="How long a priority press waits for a service press."
    )


class RatingButtonsConfig(BaseModel):
    """The rating buttons of one counter."""

    model_config = ConfigDict(extra="forbid")

    buttons: list[Pin] = Field(
        description="GPIO (BCM) numbers of the rating buttons in level order, best first "
        "(Rất hài lòng, Hài lòng, Bình thường, Không hài lòng)."
    )
    leds: list[Pin] = Field(
        default_factory=list,
        description="LED pins: none, one pin that lights all the counter's rating buttons together, "
        "or one per button in the same order.",
    )

    @field_validator("buttons", "leds")
    @classmethod
    def _pins_in_range(cls, pins: list[int]) -> list[int]:
        for pin in pins:
            if pin not in GPIO_PINS:
                raise ValueError(f"GPIO {pin} is not on the 40-pin header (0..27)")
        return pins


class ButtonsConfig(BaseModel):
    """The ``[buttons]`` section: citizens' buttons and their LEDs."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field(
        default="real",
        description='"real": the Pi\'s GPIO through lgpio; "simulated": gpiozero\'s MockFactory (no hardware).',
    )
    debounce_ms: int = Field(
        default=30, ge=1, le=500, description="A press counts once the contact has been steady this long."
    )
    long_press_ms: int = Field(
        default=3000, ge=500, le=60_000, description="Holding a button this long posts ButtonHeld (logged only)."
    )
    blink_ms: int = Field(default=500, ge=50, le=5000, description="On time and off time of a blinking LED.")
    services: dict[str, ServiceButtonConfig] = Field(
        default_factory=dict, description="Ticket buttons by service id (the ids of [services])."
    )
    priority: PriorityButtonConfig | None = Field(default=None, description="The priority button, if fitted.")
    rating: dict[int, RatingButtonsConfig] = Field(
        default_factory=dict, description="Rating buttons by counter number, for the counters that have them."
    )
    extra_reserved_pins: list[Pin] = Field(
        default_factory=list,
        description="More pins no button or LED may use, e.g. those of an audio HAT (I2S: 18, 19, 20, 21).",
    )

    @field_validator("services")
    @classmethod
    def _service_ids(cls, services: dict[str, ServiceButtonConfig]) -> dict[str, ServiceButtonConfig]:
        for service_id in services:
            if not service_id.strip():
                raise ValueError("a service id is empty")
        return services

    @field_validator("rating")
    @classmethod
    def _counters(cls, rating: dict[int, RatingButtonsConfig]) -> dict[int, RatingButtonsConfig]:
        for counter in rating:
            if counter < 1:
                raise ValueError(f"counter numbers start at 1, not {counter}")
        return rating


def _pin_uses(config: ButtonsConfig) -> list[tuple[str, int]]:
    """Every (key path, pin) the config uses, in file order."""
    uses: list[tuple[str, int]] = []
    for service_id, svc in config.services.items():
        uses.append((f"buttons.services.{service_id}.button", svc.button))
        if svc.led is not None:
            uses.append((f"buttons.services.{service_id}.led", svc.led))
    if config.priority is not None:
        uses.append(("buttons.priority.button", config.priority.button))
        if config.priority.led is not None:
            uses.append(("buttons.priority.led", config.priority.led))
    for counter, rating in config.rating.items():
        # 1-based, like every key path in a config problem (kiosk.config).
        for i, pin in enumerate(rating.buttons, start=1):
            uses.append((f"buttons.rating.{counter}.buttons[{i}]", pin))
        for i, pin in enumerate(rating.leds, start=1):
            uses.append((f"buttons.rating.{counter}.leds[{i}]", pin))
    return uses


def validate_buttons(
    config: ButtonsConfig,
    *,
    rating_levels: int = 4,
    service_ids: Iterable[str] | None = None,
    counters: Iterable[int] | None = None,
) -> list[tuple[str, str]]:
    """Cross-checks of ``[buttons]`` that pydantic's per-field checks cannot do.

    Returns (key path, message) pairs, empty when all is well: pins used twice,
    reserved pins, a counter whose number of rating buttons (or LEDs) does not
    match ``rating_levels``, and, when ``service_ids``/``counters`` are given,
    buttons for services or counters that do not exist.
    """
    problems: list[tuple[str, str]] = []
    reserved = dict(RESERVED_PINS)
    for pin in config.extra_reserved_pins:
        reserved.setdefault(pin, f"GPIO {pin} is listed in buttons.extra_reserved_pins")
    first_use: dict[int, str] = {}
    for key, pin in _pin_uses(config):
        if pin in reserved:
            problems.append((key, f"{reserved[pin]}; choose another pin"))
        elif pin in first_use:
            problems.append((key, f"GPIO {pin} is already used by {first_use[pin]}"))
        else:
            first_use[pin] = key
    for counter, rating in config.rating.items():
        key = f"buttons.rating.{counter}"
        if len(rating.buttons) != rating_levels:
            problems.append(
                (f"{key}.buttons", f"{len(rating.buttons)} rating buttons but there are {rating_levels} rating levels")
            )
        if len(rating.leds) not in (0, 1, len(rating.buttons)):
            problems.append(
                (f"{key}.leds", f"give no LED pin, one for all buttons, or {len(rating.buttons)} (one per button)")
            )
    if service_ids is not None:
        known = set(service_ids)
        for service_id in config.services:
            if service_id not in known:
                problems.append((f"buttons.services.{service_id}", f"no service {service_id!r} in [services]"))
        if config.priority is not None and config.priority.service is not None:
            if config.priority.service not in known:
                problems.append(("buttons.priority.service", f"no service {config.priority.service!r} in [services]"))
    if counters is not None:
        known_counters = set(counters)
        for counter in config.rating:
            if counter not in known_counters:
                problems.append((f"buttons.rating.{counter}", f"no counter {counter}"))
    return problems


class ButtonsConfigError(ValueError):
    """``[buttons]`` failed :func:`validate_buttons`; ``problems`` lists (key path, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in problems))


# --------------------------------------------------------------------------
# The interface
# --------------------------------------------------------------------------


class ButtonPanel(ABC):
    """Citizens' buttons (inputs, posted as events) and their LEDs (outputs)."""

    @abstractmethod
    def set_service_led(self, service_id: str, state: LedState) -> None:
        """Light a service button: ``steady`` available, ``off`` closed, ``blink`` fault."""

    @abstractmethod
    def set_priority_led(self, state: LedState) -> None:
        """Light the priority button (no-op without a priority LED)."""

    @abstractmethod
    def set_rating_leds(self, counter: int, state: LedState) -> None:
        """Light all rating buttons of ``counter``: ``blink`` while the rating window is open."""

    @abstractmethod
    def close(self) -> None:
        """Stop posting events and release the pins."""


# --------------------------------------------------------------------------
# The gpiozero implementation (both backends)
# --------------------------------------------------------------------------


@dataclass
class _Button:
    key: str  # config key, e.g. "services.car"
    debouncer: Debouncer
    on_press: Callable[[], list[Any]]


class GpioButtonPanel(ButtonPanel):
    """Buttons and LEDs as gpiozero devices on an explicit pin factory.

    ``clock`` is a monotonic clock in seconds (tests pass a fake one). With
    ``background=False`` no ticker thread runs and the caller calls :meth:`poll`
    after moving its clock (tests do); otherwise a thread calls it when due.
    """

    def __init__(
        self,
        config: ButtonsConfig,
        post: Callable[[Any], None],
        pin_factory: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
        owns_factory: bool = False,
    ) -> None:
        from gpiozero import LED, DigitalInputDevice

        self.config = config
        self.pin_factory = pin_factory
        self._post = post
        self._clock = clock
        self._owns_factory = owns_factory
        self._lock = threading.Condition(threading.Lock())  # inputs: debouncers, priority window
        self._led_lock = threading.Lock()  # outputs, apart so an LED change never delays a press
        self._closed = False
        self._buttons: list[_Button] = []
        self._devices: list[Any] = []
        self._service_leds: dict[str, Any] = {}
        self._priority_led: Any = None
        self._rating_leds: dict[int, list[Any]] = {}
        self._priority_until: float | None = None  # end of the open priority window
        debounce_s = config.debounce_ms / 1000
        long_s = config.long_press_ms / 1000

        def make_input(key: str, pin: int, on_press: Callable[[], list[Any]]) -> None:
            try:
                # bounce_time=None: we debounce ourselves (see drivers.debounce).
                device = DigitalInputDevice(pin, pull_up=True, bounce_time=None, pin_factory=pin_factory)
            except Exception as exc:  # gpiozero/lgpio raise many kinds
                raise DeviceError(
                    "buttons", f"buttons.{key}: cannot use GPIO {pin}: {exc}", "check no other program uses the pin"
                ) from exc
            button = _Button(key, Debouncer(debounce_s, long_s, pressed=device.is_active, now=clock()), on_press)
            self._buttons.append(button)
            self._devices.append(device)
            # Called from lgpio's thread on a Pi (from the caller's thread on the mock factory).
            # active_time / inactive_time say how long ago the edge happened by the pin
            # factory's own timestamp, so a callback that runs late (a busy CPU) does
            # not shorten the press the debouncer sees.
            device.when_activated = lambda: self._edge(button, True, device.active_time)
            device.when_deactivated = lambda: self._edge(button, False, device.inactive_time)

        def make_led(key: str, pin: int) -> Any:
            try:
                led = LED(pin, pin_factory=pin_factory)
            except Exception as exc:
                raise DeviceError(
                    "buttons", f"buttons.{key}: cannot use GPIO {pin}: {exc}", "check no other program uses the pin"
                ) from exc
            self._devices.append(led)
            return led

        try:
            for service_id, svc in config.services.items():
                make_input(f"services.{service_id}", svc.button, self._service_press(service_id))
                if svc.led is not None:
                    self._service_leds[service_id] = make_led(f"services.{service_id}.led", svc.led)
            if config.priority is not None:
                make_input("priority", config.priority.button, self._priority_press)
                if config.priority.led is not None:
                    self._priority_led = make_led("priority.led", config.priority.led)
            for counter, rating in config.rating.items():
                for i, pin in enumerate(rating.buttons):
                    make_input(f"rating.{counter}.buttons[{i}]", pin, self._rating_press(counter, i + 1))
                self._rating_leds[counter] = [
                    make_led(f"rating.{counter}.leds[{i}]", pin) for i, pin in enumerate(rating.leds)
                ]
        except BaseException:
            self.close()
            raise

        self._ticker: threading.Thread | None = None
        if background:
            self._ticker = threading.Thread(target=self._tick_loop, name="buttons-ticker", daemon=True)
            self._ticker.start()

    # ---- inputs -----------------------------------------------------------

    def _service_press(self, service_id: str) -> Callable[[], list[Any]]:
        def on_press() -> list[Any]:
            priority = self._priority_until is not None
            self._priority_until = None  # one priority press is good for one ticket
            return [ServicePressed(service_id, priority=priority)]

        return on_press

    def _priority_press(self) -> list[Any]:
        assert self.config.priority is not None
        if self.config.priority.service is not None:
            return [ServicePressed(self.config.priority.service, priority=True)]
        window_s = self.config.priority.window_ms / 1000
        self._priority_until = self._clock() + window_s
        return [PriorityArmed(window_s)]

    def _rating_press(self, counter: int, level: int) -> Callable[[], list[Any]]:
        return lambda: [RatingPressed(counter, level)]

    def _handle(self, button: _Button, events: list[Any]) -> None:
        # Runs under self._lock.
        for event in events:
            if isinstance(event, Press):
                for out in button.on_press():
                    self._post(out)
            elif isinstance(event, LongPress):
                self._post(ButtonHeld(button.key))

    def _edge(self, button: _Button, pressed: bool, age: float | None = None) -> None:
        """gpiozero callback: record the edge, post what it settles, wake the ticker.

        ``age`` is how many seconds ago the edge happened (None: just now).
        """
        with self._lock:
            if self._closed:
                return
            at = self._clock() - max(0.0, age or 0.0)
            self._poll_locked(at)  # settle the other buttons first, so events stay in time order
            self._handle(button, button.debouncer.edge(pressed, at))
            self._lock.notify()

    def poll(self) -> None:
        """Post the events that time alone has made due (the ticker calls this)."""
        with self._lock:
            if not self._closed:
                self._poll_locked(self._clock())

    def _poll_locked(self, now: float) -> None:
        for button in self._buttons:
            self._handle(button, button.debouncer.poll(now))
        if self._priority_until is not None and now >= self._priority_until:
            self._priority_until = None
            self._post(PriorityExpired())

    def _next_deadline(self) -> float | None:
        deadlines = [d for b in self._buttons if (d := b.debouncer.deadline()) is not None]
        if self._priority_until is not None:
            deadlines.append(self._priority_until)
        return min(deadlines, default=None)

    def _tick_loop(self) -> None:
        with self._lock:
            while not self._closed:
                self._poll_locked(self._clock())
                deadline = self._next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - self._clock()) + 0.001
                self._lock.wait(timeout)

    def pressed_buttons(self) -> list[str]:
        """Config keys of the buttons held down now (for a self-test screen)."""
        with self._lock:
            return [b.key for b in self._buttons if b.debouncer.pressed]

    # ---- outputs ----------------------------------------------------------

    def _set(self, leds: list[Any], state: LedState) -> None:
        if state not in _LED_STATES:
            raise ValueError(f"LED state must be one of {_LED_STATES}, not {state!r}")
        blink_s = self.config.blink_ms / 1000
        with self._led_lock:
            if self._closed:
                return
            for led in leds:
                if state in ("steady", "on"):
                    led.on()
                elif state == "off":
                    led.off()
                else:
                    # gpiozero blinks in its own thread; all LEDs of a group start
                    # together so a counter's rating buttons flash in step.
                    led.blink(on_time=blink_s, off_time=blink_s, background=True)

    def set_service_led(self, service_id: str, state: LedState) -> None:
        if service_id not in self.config.services:
            raise ValueError(f"no button for service {service_id!r} in [buttons.services]")
        led = self._service_leds.get(service_id)
        self._set([led] if led is not None else [], state)

    def set_priority_led(self, state: LedState) -> None:
        self._set([self._priority_led] if self._priority_led is not None else [], state)

    def set_rating_leds(self, counter: int, state: LedState) -> None:
        if counter not in self.config.rating:
            raise ValueError(f"counter {counter} has no rating buttons in [buttons.rating]")
        self._set(self._rating_leds[counter], state)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._lock.notify()
        if getattr(self, "_ticker", None) is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=2)
        with self._led_lock:
            for device in self._devices:
                device.close()
        if self._owns_factory:
            self.pin_factory.close()


def _real_pin_factory() -> Any:
    """lgpio's pin factory, or a DeviceError saying how to get it.

    We name lgpio instead of asking gpiozero for its default, because the default
    falls back silently to other libraries (and, off a Pi, to nothing useful).
    """
    simulate = 'on a PC set backend = "simulated" in [buttons]'
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
    except ImportError as exc:
        raise DeviceError(
            "buttons",
            f"the lgpio library is not installed ({exc})",
            "on the Pi: sudo apt install python3-lgpio and create the venv with --system-site-packages; " + simulate,
        ) from exc
    try:
        return LGPIOFactory()
    except Exception as exc:
        raise DeviceError(
            "buttons",
            f"cannot open the GPIO chip ({exc})",
            "run on a Raspberry Pi, check that /dev/gpiochip* exists and the kiosk user is in the gpio group; "
            + simulate,
        ) from exc


def open_buttons(
    config: ButtonsConfig,
    post: Callable[[Any], None],
    *,
    rating_levels: int = 4,
    pin_factory: Any = None,
    clock: Callable[[], float] = time.monotonic,
    background: bool = True,
) -> GpioButtonPanel:
    """Open the button panel the config asks for.

    Raises :class:`ButtonsConfigError` if :func:`validate_buttons` finds problems,
    :class:`DeviceError` if the GPIO cannot be opened. ``pin_factory`` overrides
    the backend's factory (tests pass their own ``MockFactory`` to drive its pins).
    """
    problems = validate_buttons(config, rating_levels=rating_levels)
    if problems:
        raise ButtonsConfigError(problems)
    owns = pin_factory is None
    if pin_factory is None:
        if config.backend == "real":
            pin_factory = _real_pin_factory()
        else:
            from gpiozero.pins.mock import MockFactory

            pin_factory = MockFactory()
    return GpioButtonPanel(config, post, pin_factory, clock=clock, background=background, owns_factory=owns)


def main(argv: list[str] | None = None) -> int:
    """Technician's check: ``python -m drivers.buttons office.toml [seconds]``.

    Lights every LED in turn, then prints each event for ``seconds`` (default 60).
    """
    import sys
    import tomllib

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m drivers.buttons CONFIG.toml [seconds]")
        return 2
    with open(args[0], "rb") as f:
        config = ButtonsConfig.model_validate(tomllib.load(f).get("buttons", {}))
    seconds = float(args[1]) if len(args) > 1 else 60.0
    panel = open_buttons(config, lambda event: print(event, flush=True))
    try:
        for service_id in config.services:
            print(f"LED of service {service_id}", flush=True)
            panel.set_service_led(service_id, "steady")
            time.sleep(0.5)
            panel.set_service_led(service_id, "off")
        if config.priority is not None:
            print("LED of the priority button", flush=True)
            panel.set_priority_led("steady")
            time.sleep(0.5)
            panel.set_priority_led("off")
        for counter in config.rating:
            print(f"rating LEDs of counter {counter}", flush=True)
            panel.set_rating_leds(counter, "blink")
            time.sleep(1.0)
            panel.set_rating_leds(counter, "off")
        print(f"press the buttons ({seconds:.0f} s)...", flush=True)
        time.sleep(seconds)
    finally:
        panel.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
