"""Rating pads on MCP23017 expanders: adafruit's real library on the simulated I2C bus.

Only the bus is simulated (:mod:`drivers.ratingpad.i2c_simulated` keeps the
chip's registers); the chip is set up and read by ``adafruit_mcp230xx``, and
the presses go through the buttons' debouncer, as on a Pi.
"""

from __future__ import annotations

import pytest

from drivers.base import DeviceError
from drivers.buttons import RatingPressed
from drivers.ratingpad import RatingPadConnected, RatingPadDisconnected, RatingPadsConfig
from drivers.ratingpad.expander import ExpanderPads
from drivers.ratingpad.i2c_real import open_bus
from drivers.ratingpad.i2c_simulated import SimulatedBuses


def pads_config(**changes) -> RatingPadsConfig:
    return RatingPadsConfig.model_validate({
        "backend": "simulated",
        "expanders": [{"id": "a", "bus": 1, "address": 0x20}],
        "pads": [
            {"counter": 1, "expander": "a", "buttons": [0, 1, 2, 3], "led": 4},
            {"counter": 2, "expander": "a", "buttons": [8, 9, 10, 11], "led": 12},
        ],
        **changes,
    })


class Rig:
    """Two pads on one chip at 0x20, a fake clock, and what the driver posted."""

    def __init__(self, config: RatingPadsConfig | None = None) -> None:
        self.now = 0.0
        self.posted: list[object] = []
        self.buses = SimulatedBuses()
        self.chip = self.buses.open(1).plug(0x20)
        self.pads = ExpanderPads(config or pads_config(), self.posted.append, self.buses.open,
                                 clock=lambda: self.now, background=False)

    def advance(self, seconds: float, step: float = 0.01) -> None:
        """Let ``seconds`` pass, polling every ``step`` as the driver's thread does."""
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now += step
            self.pads.poll()

    def presses(self) -> list[RatingPressed]:
        return [e for e in self.posted if isinstance(e, RatingPressed)]


def test_the_library_sets_button_pins_as_pulled_up_inputs_and_led_pins_as_outputs():
    rig = Rig()
    assert [rig.chip.level(pin) for pin in (0, 1, 2, 3, 8, 9, 10, 11)] == [True] * 8  # released: pulled high
    assert not rig.chip.lit(4) and not rig.chip.lit(12)


def test_a_press_of_the_third_button_is_level_3_at_its_counter():
    rig = Rig()
    rig.chip.press(10)  # counter 2's third button
    rig.advance(0.1)
    rig.chip.release(10)
    rig.advance(0.1)
    assert rig.presses() == [RatingPressed(2, 3)]


def test_a_bouncing_contact_is_one_press():
    rig = Rig()
    for _ in range(4):  # 4 ms on, 6 ms off: the contact bounces faster than the 30 ms debounce
        rig.chip.press(0)
        rig.advance(0.01)
        rig.chip.release(0)
        rig.advance(0.01)
    rig.chip.press(0)
    rig.advance(0.2)
    rig.chip.release(0)
    rig.advance(0.1)
    assert rig.presses() == [RatingPressed(1, 1)]


def test_a_spike_shorter_than_the_debounce_is_no_press():
    rig = Rig()
    rig.chip.press(1)
    rig.advance(0.01)
    rig.chip.release(1)
    rig.advance(0.2)
    assert rig.presses() == []


def test_a_held_button_is_one_press():
    rig = Rig()
    rig.chip.press(3)
    rig.advance(5.0, step=0.05)
    assert rig.presses() == [RatingPressed(1, 4)]


def test_the_led_blinks_while_asked_and_goes_dark_when_off():
    rig = Rig()
    rig.pads.set_led(1, "blink")  # 500 ms on, 500 ms off (blink_ms), starting lit
    seen = []
    rig.advance(0.25)
    for _ in range(3):
        seen.append(rig.chip.lit(4))
        rig.advance(0.5)
    assert seen == [True, False, True]
    assert not rig.chip.lit(12)  # the other pad's LED stays dark
    rig.pads.set_led(1, "off")
    rig.advance(0.02)
    assert not rig.chip.lit(4)


def test_a_steady_led_is_lit():
    rig = Rig()
    rig.pads.set_led(2, "steady")
    rig.advance(0.02)
    assert rig.chip.lit(12)


def test_a_chip_missing_at_start_is_an_error_naming_i2cdetect():
    buses = SimulatedBuses()
    buses.open(1)  # the bus is there, no chip at 0x20
    with pytest.raises(DeviceError) as caught:
        ExpanderPads(pads_config(), lambda e: None, buses.open, background=False)
    assert "0x20" in str(caught.value)
    assert "i2cdetect -y 1" in caught.value.fix


def test_a_missing_i2c_bus_on_the_real_backend_says_how_to_enable_it():
    with pytest.raises(DeviceError) as caught:
        open_bus(17)  # no /dev/i2c-17 on this machine (nor on a Pi)
    assert "/dev/i2c-17" in caught.value.problem
    assert "dtparam=i2c_arm=on" in caught.value.fix and "raspi-config" in caught.value.fix


def test_a_chip_that_stops_answering_is_reported_and_set_up_again_when_back():
    rig = Rig()
    rig.buses.open(1).unplug(0x20)
    rig.advance(0.02)
    lost = [e for e in rig.posted if isinstance(e, RatingPadDisconnected)]
    assert [e.counter for e in lost] == [1, 2]
    assert "i2cdetect" in lost[0].reason
    chip = rig.buses.open(1).plug(0x20)  # powered up again: every pin an input, no pull-up
    rig.advance(1.5)
    assert [e.counter for e in rig.posted if isinstance(e, RatingPadConnected)] == [1, 2]
    chip.press(2)
    rig.advance(0.1)
    assert rig.presses() == [RatingPressed(1, 3)]
