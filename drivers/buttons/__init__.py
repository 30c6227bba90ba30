"""Citizens' push buttons and their LEDs, on the Pi's GPIO header (gpiozero).

Buttons: one per service, an optional priority button, optionally one per
priority group (each a priority button whose ticket carries its group), and
per counter a row of rating buttons (best level first). Each button is wired between its GPIO pin and
GND (the pin's internal pull-up holds it high; pressed = low). Each button may
have an LED, driven high = lit, through a transistor if the lamp needs more than
a few mA.

Presses are debounced in our own code and turned into small frozen events
posted to ``post(event)``; the panel never acts on a press itself.

=================  ===========================================================
``config``         the ``[buttons]`` section and its pin checks (pydantic only)
``events``         what the panel posts: ServicePressed, RatingPressed, ...
``debounce``       contact debounce and long-press detection (pure)
``panel``          :class:`ButtonPanel`: the gpiozero devices and the pipeline
``real``           the real backend's pin factory (lgpio)
``simulated``      the simulated backend's pin factory (gpiozero's mock pins)
``__main__``       ``python -m drivers.buttons``: the technician's check
=================  ===========================================================

Importing this package loads no gpiozero: :func:`open_buttons` imports the
backend it needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from drivers.buttons.config import (
    GPIO_PINS,
    RESERVED_PINS,
    ButtonsConfig,
    ButtonsConfigError,
    GroupButtonConfig,
    PriorityButtonConfig,
    RatingButtonsConfig,
    ServiceButtonConfig,
    validate_buttons,
)
from drivers.buttons.events import ButtonHeld, PriorityArmed, PriorityExpired, RatingPressed, ServicePressed
from drivers.buttons.panel import ButtonPanel, LedState

__all__ = [
    "GPIO_PINS",
    "RESERVED_PINS",
    "ButtonHeld",
    "ButtonPanel",
    "ButtonsConfig",
    "ButtonsConfigError",
    "GroupButtonConfig",
    "LedState",
    "PriorityArmed",
    "PriorityButtonConfig",
    "PriorityExpired",
    "RatingButtonsConfig",
    "RatingPressed",
    "ServiceButtonConfig",
    "ServicePressed",
    "open_buttons",
    "validate_buttons",
]


def open_buttons(
    config: ButtonsConfig,
    post: Callable[[Any], None],
    *,
    rating_levels: int = 4,
    pin_factory: Any = None,
    clock: Callable[[], float] = time.monotonic,
    background: bool = True,
) -> ButtonPanel:
    """Open the button panel the config asks for.

    Raises :class:`ButtonsConfigError` if :func:`validate_buttons` finds problems,
    :class:`~drivers.base.DeviceError` if the GPIO cannot be opened. ``pin_factory``
    overrides the backend's factory (tests pass their own ``MockFactory`` to drive
    its pins); the panel then leaves it open when it closes.
    """
    problems = validate_buttons(config, rating_levels=rating_levels)
    if problems:
        raise ButtonsConfigError(problems)
    owns = pin_factory is None
    if pin_factory is None:
        if config.backend == "real":
            from drivers.buttons import real as backend
        else:
            from drivers.buttons import simulated as backend
        pin_factory = backend.pin_factory()
    return ButtonPanel(config, post, pin_factory, clock=clock, background=background, owns_factory=owns)
