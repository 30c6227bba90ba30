"""The 12-counter office of config/office-12.toml runs simulated: a rating pad at every counter.

The real kiosk process runs the office (every device simulated by its own
driver); at each counter a citizen is served, and a button of that counter's
pad is pressed: a pin of an MCP23017 pulled low on the simulated I2C bus
(counters 1-8, read by adafruit's library), or a key of a simulated USB keypad
(counters 9-12). Each press must be recorded as that counter's rating.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from drivers.base import shipped_dir
from kiosk.config import load_config
from kiosk.run import Process
from kiosk.simulation import Simulation, pair_keypads, simulated_config
from tests.test_office import counter, events, run_office, wait_for

pytestmark = pytest.mark.process  # the whole kiosk process: not in make test-fast

OFFICE_12 = shipped_dir("config") / "office-12.toml"


def office_12(tmp_path: Path):
    config = simulated_config(load_config(OFFICE_12), tmp_path / "office", web_port=0)
    pair_keypads(config)
    return config


def test_a_press_on_each_of_the_12_pads_is_recorded_as_that_counters_rating(tmp_path):
    config = office_12(tmp_path)
    # A different level at neighbouring counters, so a press landing on the wrong counter or level shows.
    levels = {c.number: (c.number % 4) + 1 for c in config.counters}

    def body(process: Process, sim: Simulation) -> None:
        for done, desk in enumerate(config.counters, start=1):
            sim.press_service(desk.services[0])
            sim.type_keys(desk.number, "E")  # next
            wait_for(lambda: counter(process, desk.number).ticket)
            sim.type_keys(desk.number, "+")  # complete: the rating window opens
            wait_for(lambda: counter(process, desk.number).rating_open)
            sim.press_rating(desk.number, levels[desk.number])
            wait_for(lambda: len(events(process, "rating_recorded")) == done)

    process = run_office(config, body)
    recorded = events(process, "rating_recorded")
    assert sorted((e["counter"], e["level"]) for e in recorded) == sorted(levels.items())


def test_the_pad_led_of_a_counter_blinks_while_its_rating_window_is_open(tmp_path):
    config = office_12(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        chip = sim.devices.pads.simulated_i2c.chip(1, 0x21)  # counter 3: expander "b", its LED on GPA4
        assert not chip.lit(4)
        sim.press_service("oto")
        sim.type_keys(3, "E")
        wait_for(lambda: counter(process, 3).ticket)
        sim.type_keys(3, "+")
        wait_for(lambda: counter(process, 3).rating_open)
        seen = set()
        for _ in range(70):  # 1.4 s: on 0.5 s, off 0.5 s
            seen.add(chip.lit(4))
            time.sleep(0.02)
        assert seen == {True, False}

    run_office(config, body)


def test_the_sim_pages_rating_buttons_press_the_pads(tmp_path):
    config = office_12(tmp_path)

    def body(process: Process, sim: Simulation) -> None:
        for done, (number, level) in enumerate(((2, 1), (10, 4)), start=1):  # a pad on an expander, a USB pad
            sim.press_service(config.counter(number).services[0])
            sim.type_keys(number, "E")
            wait_for(lambda: counter(process, number).ticket)
            sim.type_keys(number, "+")
            wait_for(lambda: counter(process, number).rating_open)
            response = httpx.post(f"{process.web.url}/sim/rate/{number}/{level}", timeout=10)
            assert response.status_code == 200, response.text
            wait_for(lambda: len(events(process, "rating_recorded")) == done)

    process = run_office(config, body)
    assert [(e["counter"], e["level"]) for e in events(process, "rating_recorded")] == [(2, 1), (10, 4)]
