"""The base class of every kind of rating pad: :class:`RatingPadDriver`, the backend contract.

A driver reads the pads of one kind (the MCP23017 expanders'
:class:`~drivers.ratingpad.expander.ExpanderPads`, the USB keypads'
:class:`~drivers.ratingpad.usb.UsbPads`) and posts what citizens press. Each
driver has a real last hop and a simulated one that shares every step but that
hop (an I2C bus, a USB input device); :class:`~drivers.ratingpad.pads.RatingPads`
holds the drivers of an office.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from drivers.buttons.panel import LedState


class RatingPadDriver(ABC):
    """The pads of one kind. What a driver must and may override:

    Must:

    - :attr:`counters`: the counters its pads rate, in config order.
    - :meth:`start`: begin reading in its own thread(s). From then on each
      press is posted as ``RatingPressed(counter, level)`` (level 1 = best),
      once per press (debounced; held or auto-repeated keys give no second
      press), and a pad that stops or starts answering as
      :class:`~drivers.ratingpad.events.RatingPadDisconnected` /
      :class:`~drivers.ratingpad.events.RatingPadConnected`. ``post`` is called
      from the driver's threads and must be quick (``queue.Queue.put``).
    - :meth:`close`: stop the threads and release the devices; idempotent.

    May:

    - :meth:`set_led`: show ``state`` ("steady", "on", "off", "blink", "fast") on the
      pad's LED. Called from the app's engine thread: it must not wait on the
      device (record the wish; the driver's own thread drives the LED). The
      default does nothing (a USB pad has no LED: the board's prompt is the cue).

    A driver that cannot open what its config names at all (no I2C bus, no
    python-evdev) raises :class:`~drivers.base.DeviceError` from its
    constructor, naming the fix: never a quiet fallback to a simulation.
    """

    @property
    @abstractmethod
    def counters(self) -> list[int]:
        """The counters this driver's pads rate."""

    @abstractmethod
    def start(self) -> None:
        """Begin reading the pads."""

    @abstractmethod
    def close(self) -> None:
        """Stop reading and release the pads."""

    def set_led(self, counter: int, state: LedState) -> None:
        """Light the pad of ``counter`` (no-op for a pad without an LED)."""
