"""An office's rating pads: :class:`RatingPads`, the drivers of every kind behind one face."""

from __future__ import annotations

from typing import Any

from drivers.buttons.panel import LedState
from drivers.ratingpad.base import RatingPadDriver
from drivers.ratingpad.config import RatingPadsConfig


class RatingPads:
    """The office's pad drivers (the expanders' and the USB pads'), as the app sees them."""

    def __init__(self, config: RatingPadsConfig, drivers: list[RatingPadDriver]) -> None:
        self.config = config
        self.drivers = drivers
        self._by_counter = {counter: driver for driver in drivers for counter in driver.counters}
        #: The simulated backend's I2C buses (:class:`~drivers.ratingpad.i2c_simulated.SimulatedBuses`), else None.
        self.simulated_i2c: Any = None

    @property
    def counters(self) -> list[int]:
        """Every counter that has a pad."""
        return sorted(self._by_counter)

    def driver(self, kind: type[RatingPadDriver]) -> RatingPadDriver | None:
        """The driver of ``kind`` (ExpanderPads, UsbPads), if this office has such pads."""
        return next((d for d in self.drivers if isinstance(d, kind)), None)

    def set_led(self, counter: int, state: LedState) -> None:
        """Light the pad of ``counter``; KeyError when it has no pad."""
        self._by_counter[counter].set_led(counter, state)

    def start(self) -> None:
        """Start reading every pad."""
        for driver in self.drivers:
            driver.start()

    def close(self) -> None:
        """Stop every driver."""
        for driver in self.drivers:
            driver.close()
