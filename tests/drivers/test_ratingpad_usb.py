"""Rating pads that are USB keypads: found by their match, grabbed, each level's key a press.

The pads are simulated input devices (:mod:`drivers.ratingpad.usb_simulated`);
the finder, the readers (:mod:`drivers.inputs.reading`) and the matching
(:mod:`drivers.scanner.matching`) are the real ones.
"""

from __future__ import annotations

import queue
import time

import pytest

from drivers.buttons import RatingPressed
from drivers.ratingpad import RatingPadConnected, RatingPadDisconnected, RatingPadsConfig
from drivers.ratingpad.usb import UsbPads
from drivers.ratingpad.usb_simulated import SimulatedUsbPads

PORT_1 = "/dev/input/by-path/platform-xhci-usb-0:1.4.1:1.0-event-kbd"
PORT_2 = "/dev/input/by-path/platform-xhci-usb-0:1.4.2:1.0-event-kbd"


def pads_config(pads: list[dict]) -> RatingPadsConfig:
    return RatingPadsConfig.model_validate(
        {"backend": "simulated", "reconnect_min_ms": 20, "reconnect_max_ms": 100, "scan_interval_ms": 100, "pads": pads}
    )


def by_port(counter: int, port: str, **extra) -> dict:
    return {"counter": counter, "usb": {"devices": [port.replace("platform-xhci", "*")]}, **extra}


class Rig:
    def __init__(self, pads: list[dict], plug: list[str] = (PORT_1, PORT_2), scale: int = 4) -> None:
        self.bus = SimulatedUsbPads()
        self.devices = {path: self.bus.plug(path, name="SEM USB Keyboard", usb_id="1a2c:0e24") for path in plug}
        self.posted: queue.Queue = queue.Queue()
        self.service = UsbPads(pads_config(pads), self.posted.put, scale=scale, lister=self.bus.list, opener=self.bus.open)
        self.service.start()

    def next_of(self, kind: type, seconds: float = 3.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                item = self.posted.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(item, kind):
                return item
        raise AssertionError(f"no {kind.__name__} posted")

    def close(self) -> None:
        self.service.close()


@pytest.fixture
def rigs():
    made: list[Rig] = []

    def make(*args, **kwargs) -> Rig:
        made.append(Rig(*args, **kwargs))
        return made[-1]

    yield make
    for rig in made:
        rig.close()


def test_each_pad_is_the_device_on_its_usb_port_and_is_grabbed(rigs):
    rig = rigs([by_port(9, PORT_1), by_port(10, PORT_2)])
    assert {rig.next_of(RatingPadConnected).counter for _ in range(2)} == {9, 10}
    assert rig.service.held() == {9: PORT_1, 10: PORT_2}
    assert all(device.grabbed for device in rig.devices.values())


def test_the_default_keys_are_digits_or_keypad_digits(rigs):
    rig = rigs([by_port(9, PORT_1)], plug=[PORT_1])
    rig.next_of(RatingPadConnected)
    rig.devices[PORT_1].tap("KEY_2")
    assert rig.next_of(RatingPressed) == RatingPressed(9, 2)
    rig.devices[PORT_1].tap("KEY_KP4")
    assert rig.next_of(RatingPressed) == RatingPressed(9, 4)


def test_configured_keys_are_the_levels_and_other_keys_do_nothing(rigs):
    rig = rigs([by_port(9, PORT_1, keys=["KEY_A", "KEY_B", "KEY_C", "KEY_D"])], plug=[PORT_1])
    rig.next_of(RatingPadConnected)
    rig.devices[PORT_1].tap("KEY_1")  # not a level key here
    rig.devices[PORT_1].tap("KEY_C")
    assert rig.next_of(RatingPressed) == RatingPressed(9, 3)


def test_a_held_key_auto_repeating_is_one_press(rigs):
    rig = rigs([by_port(9, PORT_1)], plug=[PORT_1])
    rig.next_of(RatingPadConnected)
    code = 3  # KEY_2
    rig.devices[PORT_1].send_keys([(code, 1), (code, 2), (code, 2), (code, 2), (code, 0)])
    assert rig.next_of(RatingPressed) == RatingPressed(9, 2)
    with pytest.raises(AssertionError):
        rig.next_of(RatingPressed, seconds=0.3)


def test_a_pad_not_plugged_in_is_reported_with_the_fix(rigs):
    rig = rigs([by_port(9, PORT_1), by_port(10, PORT_2)], plug=[PORT_1])
    missing = rig.next_of(RatingPadDisconnected)
    assert missing.counter == 10
    assert "no USB keypad found" in missing.reason and "plug it in" in missing.reason


def test_an_unplugged_pad_is_read_again_when_plugged_back(rigs):
    rig = rigs([by_port(9, PORT_1)], plug=[PORT_1])
    rig.next_of(RatingPadConnected)
    rig.bus.unplug(PORT_1)
    assert rig.next_of(RatingPadDisconnected).counter == 9
    pad = rig.bus.plug(PORT_1, name="SEM USB Keyboard", usb_id="1a2c:0e24")
    assert rig.next_of(RatingPadConnected).counter == 9
    pad.tap("KEY_1")
    assert rig.next_of(RatingPressed) == RatingPressed(9, 1)


def test_two_pads_matched_by_the_same_name_get_one_device_each(rigs):
    same = {"usb": {"names": ["SEM USB"]}}
    rig = rigs([{"counter": 9, **same}, {"counter": 10, **same}])
    rig.next_of(RatingPadConnected)
    rig.next_of(RatingPadConnected)
    assert sorted(rig.service.held().values()) == [PORT_1, PORT_2]
