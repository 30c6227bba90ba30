"""The button LEDs as the office wants them: each change is sent to the button panel (or a rating pad) once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from drivers.buttons import ButtonPanel
from drivers.ratingpad import RatingPads
from kiosk import days
from kiosk.config import Config
from kiosk.engine import Engine

#: An LED: ("service", service id), ("rating", counter), ("priority", None) or ("group", group id).
LedKey = tuple[str, Any]


class Lights:
    """The wanted state ("steady", "blink" or "off") of every LED; owned by the engine thread."""

    def __init__(self, buttons: ButtonPanel | None, pads: RatingPads | None = None) -> None:
        """``pads``: the rating pads, whose LEDs follow the ("rating", counter) lights as GPIO rating LEDs do."""
        self._buttons = buttons
        self._pads = pads
        self._states: dict[LedKey, str] = {}

    def set(self, key: LedKey, state: str) -> None:
        """Set one LED; nothing is sent when it already shows ``state`` or is not wired."""
        if self._states.get(key) == state:
            return
        self._states[key] = state
        kind, target = key
        if kind == "rating" and self._pads is not None and target in self._pads.counters:
            self._pads.set_led(target, state)  # type: ignore[arg-type]
            return
        if self._buttons is None:
            return
        try:
            if kind == "service":
                self._buttons.set_service_led(target, state)
            elif kind == "rating":
                self._buttons.set_rating_leds(target, state)
            elif kind == "priority":
                self._buttons.set_priority_led(state)
            elif kind == "group":
                self._buttons.set_group_led(target, state)
        except (KeyError, ValueError):
            pass  # no LED wired for it

    def forget(self, key: LedKey) -> None:
        """Forget what ``key`` shows, so the next refresh sets it again (the priority button's blink ended)."""
        self._states.pop(key, None)

    def refresh(self, config: Config, engine: Engine, now: datetime, printer_fault: bool) -> None:
        """Service LEDs steady when open, off when closed or full, all blinking on a printer fault;
        the priority and group LEDs steady while any service is open (unless armed: then they keep blinking)."""
        day = date.fromisoformat(engine.state.day) if engine.state.day else engine.business_day(now)
        local = now.astimezone(config.site.tz).time()
        any_open = False
        for service in config.services:
            full = engine.state.services[service.id].issued_today >= service.effective_cap
            open_now = days.opening(service, day, local).open
            state = "blink" if printer_fault else ("steady" if open_now and not full else "off")
            any_open |= state == "steady"
            self.set(("service", service.id), state)
        keys: list[LedKey] = [("priority", None)] + [("group", g) for g in (config.buttons.groups if config.buttons else {})]
        for key in keys:
            if self._states.get(key) != "blink" or printer_fault:
                self.set(key, "blink" if printer_fault else ("steady" if any_open else "off"))
