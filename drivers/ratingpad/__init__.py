"""Rating pads: a pad at every counter, on MCP23017 I2C expanders or as a USB keypad.

GPIO rating buttons (``[buttons.rating]``) fit about three counters on one Pi;
these pads scale to a dozen and more. Whatever the pad, a press is posted as
``RatingPressed(counter, level)``, the event GPIO rating buttons post. Each
kind of pad is a driver written to one contract
(:class:`~drivers.ratingpad.base.RatingPadDriver`), and each has a real last hop
and a simulated one that shares every other step:

====================  ===============================================================
``config``            the ``[rating_pads]`` section and its cross-checks (pydantic only)
``base``              :class:`RatingPadDriver`: what a driver must and may override
``events``            RatingPadConnected / RatingPadDisconnected (presses: RatingPressed)
``expander``          :class:`ExpanderPads`: MCP23017 chips through adafruit's library, polled
``i2c_real``          its real last hop: ``/dev/i2c-N`` through adafruit-blinka
``i2c_simulated``     its simulated last hop: an I2C bus with MCP23017 registers in memory
``usb``               :class:`UsbPads`: USB keypads through the input drivers' threads
``usb_simulated``     its simulated last hop: keypads in memory
``pads``              :class:`RatingPads`: the office's drivers behind one face
====================  ===============================================================

Importing this package loads no device library: :func:`open_rating_pads` imports what it needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from drivers.ratingpad.base import RatingPadDriver
from drivers.ratingpad.config import (
    ExpanderConfig,
    PadConfig,
    RatingPadsConfig,
    UsbMatch,
    chip_pin_name,
    validate_rating_pads,
)
from drivers.ratingpad.events import RatingPadConnected, RatingPadDisconnected
from drivers.ratingpad.pads import RatingPads

__all__ = [
    "ExpanderConfig",
    "PadConfig",
    "RatingPadConnected",
    "RatingPadDisconnected",
    "RatingPadDriver",
    "RatingPads",
    "RatingPadsConfig",
    "UsbMatch",
    "chip_pin_name",
    "open_rating_pads",
    "validate_rating_pads",
]


def open_rating_pads(
    config: RatingPadsConfig,
    post: Callable[[Any], None],
    *,
    scale: int,
    clock: Callable[[], float] = time.monotonic,
    start: bool = True,
) -> RatingPads:
    """Open the pads ``config`` lists and (with ``start``) begin reading them.

    ``scale`` is the number of rating levels. Raises
    :class:`~drivers.base.DeviceError` naming the fix when an I2C bus or chip
    does not answer (the real backend never falls back to a simulation). For
    the simulated backend, the expanders' chips are put on simulated buses at
    their addresses (``pads.simulated_i2c``) and one USB pad per USB-pad counter
    is plugged in (``UsbPads.simulated``).
    """
    from drivers.ratingpad.expander import ExpanderPads
    from drivers.ratingpad.usb import UsbPads

    drivers: list[RatingPadDriver] = []
    simulated_i2c = None
    try:
        if any(pad.expander is not None for pad in config.pads):
            if config.backend == "real":
                from drivers.ratingpad.i2c_real import open_bus
            else:
                from drivers.ratingpad.i2c_simulated import SimulatedBuses

                simulated_i2c = SimulatedBuses()
                for chip in config.expanders:
                    simulated_i2c.open(chip.bus).plug(chip.address)
                open_bus = simulated_i2c.open
            drivers.append(ExpanderPads(config, post, open_bus, clock=clock))
        if any(pad.usb is not None for pad in config.pads):
            if config.backend == "real":
                from drivers.ratingpad.usb import evdev_backend

                lister, opener = evdev_backend(config)
                usb = UsbPads(config, post, scale=scale, lister=lister, opener=opener, clock=clock)
            else:
                from drivers.ratingpad.usb_simulated import SimulatedUsbPads

                bus = SimulatedUsbPads()
                usb = UsbPads(config, post, scale=scale, lister=bus.list, opener=bus.open, clock=clock)
                usb.simulated = bus
                for pad in usb.pads:
                    bus.plug_for(pad)
            drivers.append(usb)
    except BaseException:
        for driver in drivers:
            driver.close()
        raise
    pads = RatingPads(config, drivers)
    pads.simulated_i2c = simulated_i2c
    if start:
        pads.start()
    return pads
