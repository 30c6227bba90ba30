"""The button panel: citizens' buttons and their LEDs as gpiozero devices, shared by both backends.

:class:`ButtonPanel` builds a gpiozero ``DigitalInputDevice`` per button and an
``LED`` per LED on the pin factory it is given, debounces the buttons with the
pure :class:`~drivers.buttons.debounce.Debouncer`, and posts the events of
:mod:`drivers.buttons.events`. The backends differ only in that pin factory
(see :mod:`drivers.buttons.real` and :mod:`drivers.buttons.simulated`); every
step after it is this module's.

Threads: on a Pi, lgpio calls back from its own thread, and a ticker thread of
this module wakes up when a debounce or long-press deadline is due. Both take
one lock, feed the debouncer and post while holding it (so events of one button
are posted in order). ``post`` must be quick and must not call back into the
panel: ``queue.Queue.put`` is right.

gpiozero is imported when a panel is built, not with this module, so that the
app can name :class:`ButtonPanel` without loading it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from drivers.base import DeviceError
from drivers.buttons.config import ButtonsConfig, PriorityButtonConfig
from drivers.buttons.debounce import Debouncer, LongPress, Press
from drivers.buttons.events import ButtonHeld, PriorityArmed, PriorityExpired, RatingPressed, ServicePressed

LedState = Literal["steady", "on", "off", "blink", "fast"]
"""``steady`` (or ``on``): lit; ``off``: dark; ``blink``: on/off every ``blink_ms``;
``fast``: four times as fast (a counter asking the reason for a "Không hài lòng")."""

_LED_STATES = ("steady", "on", "off", "blink", "fast")


@dataclass
class _Button:
    key: str  # config key, e.g. "services.car"
    debouncer: Debouncer
    on_press: Callable[[], list[Any]]


class ButtonPanel:
    """Citizens' buttons (inputs, posted as events) and their LEDs (outputs) on a gpiozero pin factory.

    ``pin_factory`` is the backend: lgpio's on a Pi, gpiozero's ``MockFactory``
    when simulated. ``clock`` is a monotonic clock in seconds (tests pass a fake
    one). With ``background=False`` no ticker thread runs and the caller calls
    :meth:`poll` after moving its clock (tests do); otherwise a thread calls it
    when due. With ``owns_factory`` :meth:`close` closes the factory too.
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
        self._group_leds: dict[str, Any] = {}
        self._rating_leds: dict[int, list[Any]] = {}
        self._priority_until: float | None = None  # end of the open priority window
        self._priority_group: str | None = None  # the priority group it was opened for
        debounce_s = config.debounce_ms / 1000
        long_s = config.long_press_ms / 1000

        def make_input(key: str, pin: int, on_press: Callable[[], list[Any]]) -> None:
            try:
                # bounce_time=None: we debounce ourselves (see drivers.buttons.debounce).
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
            for group_id, group in config.groups.items():
                make_input(f"groups.{group_id}", group.button, self._group_press(group_id))
                if group.led is not None:
                    self._group_leds[group_id] = make_led(f"groups.{group_id}.led", group.led)
            for counter, rating in config.rating.items():
                # Positions from 1, as in validate_buttons' messages and `kiosk wiring`.
                for i, pin in enumerate(rating.buttons, start=1):
                    make_input(f"rating.{counter}.buttons[{i}]", pin, self._rating_press(counter, i))
                self._rating_leds[counter] = [
                    make_led(f"rating.{counter}.leds[{i}]", pin) for i, pin in enumerate(rating.leds, start=1)
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
            priority, group = self._priority_until is not None, self._priority_group
            self._priority_until = self._priority_group = None  # one priority press is good for one ticket
            return [ServicePressed(service_id, priority=priority, group=group)]

        return on_press

    def _priority_press(self) -> list[Any]:
        assert self.config.priority is not None
        return self._arm(self.config.priority, None)

    def _group_press(self, group_id: str) -> Callable[[], list[Any]]:
        return lambda: self._arm(self.config.groups[group_id], group_id)

    def _arm(self, button: PriorityButtonConfig, group: str | None) -> list[Any]:
        """A priority press (``group`` None) or a group's: a ticket at once, or a window for a service press.

        The latest priority press wins: a window another priority button opened
        is closed first (PriorityExpired, so the app stops blinking its LED).
        Pressing the same button again restarts its window.
        """
        out: list[Any] = []
        if self._priority_until is not None and (button.service is not None or self._priority_group != group):
            out.append(PriorityExpired(self._priority_group))
            self._priority_until = self._priority_group = None
        if button.service is not None:
            return [*out, ServicePressed(button.service, priority=True, group=group)]
        window_s = button.window_ms / 1000
        self._priority_until, self._priority_group = self._clock() + window_s, group
        return [*out, PriorityArmed(window_s, group)]

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
            group = self._priority_group
            self._priority_until = self._priority_group = None
            self._post(PriorityExpired(group))

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
                    period = blink_s / 4 if state == "fast" else blink_s
                    led.blink(on_time=period, off_time=period, background=True)

    def set_service_led(self, service_id: str, state: LedState) -> None:
        """Light a service button: ``steady`` available, ``off`` closed, ``blink`` fault."""
        if service_id not in self.config.services:
            raise ValueError(f"no button for service {service_id!r} in [buttons.services]")
        led = self._service_leds.get(service_id)
        self._set([led] if led is not None else [], state)

    def set_priority_led(self, state: LedState) -> None:
        """Light the priority button (no-op without a priority LED)."""
        self._set([self._priority_led] if self._priority_led is not None else [], state)

    def set_group_led(self, group_id: str, state: LedState) -> None:
        """Light a priority group's button: as the priority LED (no-op without an LED)."""
        if group_id not in self.config.groups:
            raise ValueError(f"no button for priority group {group_id!r} in [buttons.groups]")
        led = self._group_leds.get(group_id)
        self._set([led] if led is not None else [], state)

    def set_rating_leds(self, counter: int, state: LedState) -> None:
        """Light all rating buttons of ``counter``: ``blink`` while the rating window is open."""
        if counter not in self.config.rating:
            raise ValueError(f"counter {counter} has no rating buttons in [buttons.rating]")
        self._set(self._rating_leds[counter], state)

    def close(self) -> None:
        """Stop posting events and release the pins."""
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
