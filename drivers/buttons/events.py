"""What the button panel posts to the app: small frozen events, one per thing a citizen did.

The panel never acts on a press itself; the app decides what a press means
(whether a second press a moment later gives a second ticket, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServicePressed:
    """A citizen asked for a ticket for ``service_id``; ``priority`` if by the priority button
    or a priority group's button, and then ``group``: that group's id (None: no group)."""

    service_id: str
    priority: bool = False
    group: str | None = None


@dataclass(frozen=True)
class RatingPressed:
    """A citizen pressed rating ``level`` (1 = best, as in ``[buttons.rating]``) at ``counter``."""

    counter: int
    level: int


@dataclass(frozen=True)
class PriorityArmed:
    """The priority button, or the button of priority group ``group``, (bound to no
    service) was pressed: the next service press within ``window_s`` seconds is a
    priority ticket (of that group). The app may blink that button's LED and say
    "mời chọn dịch vụ"."""

    window_s: float
    group: str | None = None


@dataclass(frozen=True)
class PriorityExpired:
    """The priority window armed by the priority button (``group`` None) or by the
    button of priority group ``group`` ended without a service press: it ran out,
    or another priority button was pressed instead."""

    group: str | None = None


@dataclass(frozen=True)
class ButtonHeld:
    """A button was held down for ``long_press_ms``. It gives no second ticket or
    rating; it is posted so the app can log it (a button that keeps reporting this
    is stuck or mis-wired). ``button`` is its config key, e.g. ``services.car``."""

    button: str
