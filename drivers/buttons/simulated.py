"""The simulated backend: gpiozero's mock pins, on any machine.

The panel is the same :class:`~drivers.buttons.panel.ButtonPanel` as on a Pi;
only its pin factory is gpiozero's ``MockFactory``. A test, a demo or the
simulation API presses a button by driving its mock pin low
(``panel.pin_factory.pin(17).drive_low()``, then ``drive_high()``: the buttons
pull up, so pressed is low) and reads an LED from ``pin(27).state``.
"""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory


def pin_factory() -> MockFactory:
    """A new set of mock pins, all released."""
    return MockFactory()
