"""What the rating pads post to the app besides the presses.

A press is posted as :class:`drivers.buttons.events.RatingPressed` (counter,
level), the very event GPIO rating buttons post, so the app treats every
rating button alike. A pad that comes or goes is reported with the two events
below (the app records them as a device status; ``kiosk doctor`` names the fix).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RatingPadConnected:
    """The pad of ``counter`` answers: its expander chip, or its USB keypad at ``device``."""

    counter: int
    device: str


@dataclass(frozen=True)
class RatingPadDisconnected:
    """The pad of ``counter`` does not answer; ``reason`` says why and what to do."""

    counter: int
    device: str
    reason: str
