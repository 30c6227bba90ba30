"""`kiosk wiring` and `kiosk doctor` on the 12-counter office's rating pads."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from drivers.ratingpad.i2c_simulated import SimulatedI2C
from kiosk.config import load_config
from kiosk.doctor import Options, check_rating_pads
from kiosk.wiring import expander_table, main as wiring_main
from kiosk.wiring.expanders import address_levels, chip_pins
from tests.conftest import ROOT

OFFICE_12 = ROOT / "config" / "office-12.toml"
SVG = "{http://www.w3.org/2000/svg}"


def office(**pads_changes):
    config = load_config(OFFICE_12)
    if pads_changes:
        config = config.model_copy(update={"rating_pads": config.rating_pads.model_copy(update=pads_changes)})
    return config


# -- kiosk wiring --------------------------------------------------------------


def test_each_button_and_led_of_a_pad_is_on_its_named_chip_pin():
    config = office()
    chip_b = config.rating_pads.expanders[1]
    pins = {p.name: p for p in chip_pins(config, chip_b)}
    assert (pins["GPA0"].dip, pins["GPA0"].vi) == (21, "Nút quầy 3: Rất hài lòng")
    assert (pins["GPB3"].dip, pins["GPB3"].vi) == (4, "Nút quầy 4: Không hài lòng")
    assert pins["GPA4"].vi == "Đèn quầy 3" and pins["GPA4"].key == "rating_pads.pads[3].led"


def test_the_chip_pins_go_to_the_pis_i2c_and_power_pins():
    pins = {p.name: p for p in chip_pins(office(), office().rating_pads.expanders[0])}
    assert pins["SDA"].vi == "→ GPIO 2 SDA của Pi (chân 3)"
    assert pins["SCK"].vi == "→ GPIO 3 SCL của Pi (chân 5)"
    assert pins["VDD"].vi == "→ 3V3 của Pi (chân 1)"
    assert pins["VSS"].vi == "→ GND của Pi (chân 6)"


def test_the_address_pins_spell_the_address():
    assert address_levels(0x20) == ("GND", "GND", "GND")
    assert address_levels(0x23) == ("3V3", "3V3", "GND")  # A0, A1, A2
    assert address_levels(0x27) == ("3V3", "3V3", "3V3")


def test_the_table_lists_every_expander_and_the_usb_pads():
    text = expander_table(office())
    for address in ("0x20", "0x21", "0x22", "0x23"):
        assert f"địa chỉ {address}" in text
    for counter in (9, 10, 11, 12):
        assert f"Quầy {counter}: bàn phím USB /dev/input/by-path/" in text


def test_wiring_svg_draws_the_header_with_i2c_and_a_page_of_expanders(tmp_path):
    said: list[str] = []
    assert wiring_main(office(), tmp_path / "tu.svg", said.append) == 0
    header = ET.parse(tmp_path / "tu.svg").getroot()
    i2c = {g.get("data-bcm") for g in header.iter(f"{SVG}g") if "i2c" in (g.get("class") or "").split()}
    assert i2c == {"2", "3"}
    page = ET.parse(tmp_path / "tu-rating-pads.svg").getroot()
    chips = [g.get("data-address") for g in page.iter(f"{SVG}g") if g.get("class") == "expander"]
    assert chips == ["0x20", "0x21", "0x22", "0x23"]
    keys = {g.get("data-key") for g in page.iter(f"{SVG}g") if g.get("data-key")}
    assert "rating_pads.pads[8].led" in keys and "rating_pads.pads[1].buttons[4]" in keys
    assert len([g for g in page.iter(f"{SVG}g") if g.get("class") == "usb-pad"]) == 4


# -- kiosk doctor --------------------------------------------------------------


def test_doctor_says_each_pad_of_the_simulated_office_answers():
    checks = check_rating_pads(office(), Options())
    assert [c.name for c in checks] == [f"rating pad of counter {n}" for n in range(1, 13)]
    assert all(c.ok for c in checks)
    assert checks[2].detail == "MCP23017 0x21 on I2C bus 1 answers (simulated)"


def test_doctor_on_a_machine_without_i2c_says_how_to_enable_it():
    checks = check_rating_pads(office(backend="real"), Options())
    counter_1 = checks[0]
    assert not counter_1.ok
    assert "there is no I2C bus 1" in counter_1.detail and "dtparam=i2c_arm=on" in counter_1.detail


def test_doctor_names_a_chip_that_does_not_answer(monkeypatch):
    def bus_without_0x22(number: int) -> SimulatedI2C:
        bus = SimulatedI2C(number)
        for address in (0x20, 0x21, 0x23):
            bus.plug(address)
        return bus

    monkeypatch.setattr("drivers.ratingpad.i2c_real.open_bus", bus_without_0x22)
    checks = {c.name: c for c in check_rating_pads(office(backend="real"), Options())}
    assert checks["rating pad of counter 4"].ok
    failed = checks["rating pad of counter 5"]
    assert not failed.ok
    assert "no answer from the MCP23017 0x22 on I2C bus 1" in failed.detail and "i2cdetect -y 1" in failed.detail


def test_doctor_says_a_usb_pad_that_is_not_plugged_in_and_how_to_find_it(monkeypatch):
    from drivers.ratingpad import usb

    monkeypatch.setattr(usb, "evdev_backend", lambda config: (lambda: [], lambda path: None))
    no_chips = office(backend="real", expanders=[], pads=[p for p in office().rating_pads.pads if p.usb])
    checks = {c.name: c for c in check_rating_pads(no_chips, Options())}
    failed = checks["rating pad of counter 9"]
    assert not failed.ok
    assert "no USB keypad found (looked for /dev/input/by-path/*-usb-0:1.4.1:1.0-event-kbd)" in failed.detail
