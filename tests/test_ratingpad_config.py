"""``[rating_pads]``: config/office-12.toml is valid, and every clash is named by its key."""

from __future__ import annotations

import tomllib

import pytest

from kiosk.config import ConfigError, load_config, parse_config
from tests.conftest import ROOT

OFFICE_12 = ROOT / "config" / "office-12.toml"


def office() -> dict:
    """config/office-12.toml as parsed TOML, to change one thing in."""
    return tomllib.loads(OFFICE_12.read_text(encoding="utf-8"))


def problems(document: dict) -> dict[str, str]:
    """The problems the config has, by key path (none: {})."""
    try:
        parse_config(document)
    except ConfigError as exc:
        return {p.path: p.message for p in exc.problems}
    return {}


def pad(document: dict, counter: int) -> dict:
    return next(p for p in document["rating_pads"]["pads"] if p["counter"] == counter)


def test_the_12_counter_office_loads_with_a_pad_at_every_counter():
    config = load_config(OFFICE_12)
    assert config.rating_pads is not None
    assert sorted(p.counter for p in config.rating_pads.pads) == [c.number for c in config.counters] == list(range(1, 13))
    assert [hex(e.address) for e in config.rating_pads.expanders] == ["0x20", "0x21", "0x22", "0x23"]


def test_two_pads_on_one_counter():
    document = office()
    pad(document, 10)["counter"] = 9
    assert problems(document)["rating_pads.pads[10].counter"] == "counter 9 already has a pad (rating_pads.pads[9])"


def test_a_pad_and_gpio_rating_buttons_on_one_counter():
    document = office()
    document["buttons"]["rating"] = {"4": {"buttons": [16, 20, 21, 26]}}
    found = problems(document)
    assert found["rating_pads.pads[4].counter"].startswith("counter 4 also has GPIO rating buttons ([buttons.rating.4])")


def test_a_pin_used_twice_on_a_chip():
    document = office()
    pad(document, 2)["led"] = 3  # counter 1's fourth button on chip "a"
    assert problems(document)["rating_pads.pads[2].led"] == (
        "pin 3 (GPA3) of expander 'a' is already used by rating_pads.pads[1].buttons[4]"
    )


def test_two_chips_at_one_address_on_one_bus():
    document = office()
    document["rating_pads"]["expanders"][1]["address"] = 0x20
    found = problems(document)
    assert found["rating_pads.expanders[2].address"].startswith("0x20 on bus 1 is already expander 'a'")


def test_the_same_address_on_two_buses_is_fine():
    document = office()
    document["rating_pads"]["expanders"][1].update(address=0x20, bus=3)
    assert problems(document) == {}


def test_an_address_outside_the_mcp23017_range():
    document = office()
    document["rating_pads"]["expanders"][0]["address"] = 0x30
    assert problems(document)["rating_pads.expanders[1].address"] == (
        "0x30 is not an MCP23017 address: use 0x20-0x27 (set by the chip's pins A0-A2)"
    )


def test_an_expander_nobody_uses():
    document = office()
    document["rating_pads"]["expanders"].append({"id": "e", "address": 0x24})
    assert problems(document)["rating_pads.expanders[5]"] == "expander 'e' has no pad on it: remove it"


def test_a_pad_whose_buttons_are_not_the_rating_scale():
    document = office()
    pad(document, 5)["buttons"] = [0, 1, 2]
    assert problems(document)["rating_pads.pads[5].buttons"] == (
        "3 buttons but there are 4 rating levels ([[rating.levels]])"
    )


def test_a_usb_pad_whose_keys_are_not_the_rating_scale():
    document = office()
    pad(document, 11)["keys"] = ["KEY_A", "KEY_B"]
    assert problems(document)["rating_pads.pads[11].keys"] == "2 keys but there are 4 rating levels ([[rating.levels]])"


def test_rating_buttons_true_with_neither_a_pad_nor_gpio_buttons():
    document = office()
    document["rating_pads"]["pads"] = [p for p in document["rating_pads"]["pads"] if p["counter"] != 12]
    assert problems(document)["counters[12].rating_buttons"] == (
        "true, but counter 12 has neither a pad in [[rating_pads.pads]] nor pins in [buttons.rating.12]"
    )


def test_a_pad_at_a_counter_without_rating_buttons():
    document = office()
    document["counters"][6]["rating_buttons"] = False
    assert problems(document)["rating_pads.pads[7].counter"] == "counter 7 has rating_buttons = false"


def test_a_pad_at_a_counter_that_does_not_exist():
    document = office()
    pad(document, 12)["counter"] = 13
    assert problems(document)["rating_pads.pads[12].counter"] == "no counter 13"


@pytest.mark.parametrize("pin, line", [(2, "SDA"), (3, "SCL")])
def test_gpio_2_and_3_are_kept_for_i2c_while_expanders_are_configured(pin, line):
    document = office()
    document["buttons"]["priority"]["button"] = pin
    assert problems(document)["buttons.priority.button"].startswith(f"GPIO {pin} is {line} of I2C bus 1")


def test_gpio_2_and_3_are_free_for_buttons_without_expanders():
    document = office()
    document["rating_pads"] = {"backend": "simulated", "pads": [p for p in document["rating_pads"]["pads"] if "usb" in p]}
    document["counters"] = [c for c in document["counters"] if c["number"] >= 9]
    for c in document["counters"]:
        c["services"] = ["oto", "xemay", "vipham"]
    document["buttons"]["priority"]["button"] = 2
    assert problems(document) == {}


def test_an_expander_pad_must_name_its_expander_and_a_usb_pad_its_match():
    document = office()
    del pad(document, 1)["expander"]
    assert problems(document)["rating_pads.pads[1]"] == (
        "give either expander and buttons (an MCP23017 pad) or usb (a USB pad)"
    )


def test_a_pad_on_an_expander_that_is_not_listed():
    document = office()
    pad(document, 1)["expander"] = "z"
    found = problems(document)
    assert found["rating_pads.pads[1].expander"] == "no expander 'z' in [[rating_pads.expanders]]"


def test_a_chip_pin_beyond_15():
    document = office()
    pad(document, 1)["buttons"] = [0, 1, 2, 16]
    assert problems(document)["rating_pads.pads[1].buttons"].startswith("pin 16 is not on an MCP23017")


def test_a_usb_pad_with_nothing_to_find_it_by():
    document = office()
    pad(document, 9)["usb"] = {}
    assert "set at least one" in problems(document)["rating_pads.pads[9].usb"]


def test_a_scale_of_three_wants_three_buttons_per_pad():
    document = office()
    document["rating"]["levels"] = document["rating"]["levels"][:2] + document["rating"]["levels"][3:]
    found = problems(document)
    assert found["rating_pads.pads[1].buttons"] == "4 buttons but there are 3 rating levels ([[rating.levels]])"
