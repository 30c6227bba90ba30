"""The ``[buttons]`` section: which GPIO pin each button and LED is on, and its checks.

:class:`ButtonsConfig` and its nested models check each value on its own
(pydantic); :func:`validate_buttons` does the checks that look at the whole
section and at the rest of the office's config (a pin used twice, a reserved
pin, a rating row that does not match the rating levels, a button for a service,
priority group or counter that does not exist).

Pydantic and the standard library only: validating a config file never loads gpiozero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from drivers.base import Backend
from drivers.section import Section

#: GPIO numbers (BCM) on the 40-pin header.
GPIO_PINS = range(0, 28)

#: Pins the kiosk never lets a button or LED use, and why.
RESERVED_PINS: dict[int, str] = {
    0: "GPIO 0 (ID_SD) belongs to the HAT ID EEPROM that the Pi firmware reads at boot",
    1: "GPIO 1 (ID_SC) belongs to the HAT ID EEPROM that the Pi firmware reads at boot",
}

Pin = int


def _pin_field(description: str, optional: bool = False) -> Any:
    if optional:
        return Field(default=None, ge=min(GPIO_PINS), le=max(GPIO_PINS), description=description)
    return Field(ge=min(GPIO_PINS), le=max(GPIO_PINS), description=description)


class ServiceButtonConfig(Section):
    """One service's ticket button."""

    button: Pin = _pin_field("GPIO (BCM) number of the button; wired to GND.")
    led: Pin | None = _pin_field("GPIO (BCM) number of the button's LED; omit if none.", optional=True)


class PriorityButtonConfig(Section):
    """The priority button (elderly, disabled, people with revolutionary contributions)."""

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


class GroupButtonConfig(PriorityButtonConfig):
    """The button of one priority group (Người cao tuổi, Phụ nữ mang thai, ...).

    It works as the priority button does, and the priority ticket it gives
    carries the group: bound to a service (``service``), a press gives that
    ticket at once; unbound, it arms priority for the group and the citizen
    presses their service within ``window_ms``.
    """


class RatingButtonsConfig(Section):
    """The rating buttons of one counter."""

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


class ButtonsConfig(Section):
    """The ``[buttons]`` section: citizens' buttons and their LEDs."""

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
    groups: dict[str, GroupButtonConfig] = Field(
        default_factory=dict,
        description="Priority buttons by priority group id (the ids of [[priority_groups]]), for the groups "
        "that have their own button.",
    )
    rating: dict[int, RatingButtonsConfig] = Field(
        default_factory=dict, description="Rating buttons by counter number, for the counters that have them."
    )
    extra_reserved_pins: list[Pin] = Field(
        default_factory=list,
        description="More pins no button or LED may use, e.g. those of an audio HAT (I2S: 18, 19, 20, 21).",
    )

    @field_validator("services", "groups")
    @classmethod
    def _ids(cls, buttons: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        what = "service" if info.field_name == "services" else "priority group"
        for button_id in buttons:
            if not button_id.strip():
                raise ValueError(f"a {what} id is empty")
        return buttons

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
    for group_id, group in config.groups.items():
        uses.append((f"buttons.groups.{group_id}.button", group.button))
        if group.led is not None:
            uses.append((f"buttons.groups.{group_id}.led", group.led))
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
    group_ids: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Cross-checks of ``[buttons]`` that pydantic's per-field checks cannot do.

    Returns (key path, message) pairs, empty when all is well: pins used twice,
    reserved pins, a counter whose number of rating buttons (or LEDs) does not
    match ``rating_levels``, and, when ``service_ids``/``counters``/``group_ids``
    are given, buttons for services, counters or priority groups that do not
    exist (a group button's ``service`` included).
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
        for group_id, group in config.groups.items():
            if group.service is not None and group.service not in known:
                key = f"buttons.groups.{group_id}.service"
                problems.append((key, f"no service {group.service!r} in [services]"))
    if group_ids is not None:
        known_groups = set(group_ids)
        for group_id in config.groups:
            if group_id not in known_groups:
                problems.append(
                    (f"buttons.groups.{group_id}", f"no priority group {group_id!r} in [[priority_groups]]")
                )
    if counters is not None:
        known_counters = set(counters)
        for counter in config.rating:
            if counter not in known_counters:
                problems.append((f"buttons.rating.{counter}", f"no counter {counter}"))
    return problems


#: The Pi's I2C bus 1 (SDA, SCL): the rating pads' MCP23017 expanders need them when any are configured.
I2C_PINS: dict[int, str] = {
    2: "GPIO 2 is SDA of I2C bus 1, which the rating pads' expanders ([[rating_pads.expanders]]) use",
    3: "GPIO 3 is SCL of I2C bus 1, which the rating pads' expanders ([[rating_pads.expanders]]) use",
}


def i2c_clashes(config: ButtonsConfig) -> list[tuple[str, str]]:
    """(key path, message) for each button or LED on GPIO 2 or 3, which I2C expanders need."""
    return [(key, f"{I2C_PINS[pin]}; choose another pin") for key, pin in _pin_uses(config) if pin in I2C_PINS]


class ButtonsConfigError(ValueError):
    """``[buttons]`` failed :func:`validate_buttons`; ``problems`` lists (key path, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in problems))
