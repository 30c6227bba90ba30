"""Scanners at counters (``[[counter_scanners]]``): the config, which device is whose, and ``kiosk doctor``.

One scanner service reads the ticket machine's scanner and the counters'; each
code it posts says which counter's scanner read it (None: the ticket machine's).
The service runs on the simulated backend, whose scanners type a code's keys
as a real one does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import drivers.scanner as scanner_module
from drivers.scanner import (
    CodeScanned,
    CounterScannerConfig,
    ScannerConfig,
    ScannerDisconnected,
    ScannerInfo,
    ScannerService,
    open_scanner,
)
from kiosk.config import ConfigError, parse_config
from kiosk.doctor import Options, run_checks
from tests.conftest import small_config
from tests.drivers.service_threads import Events, wait_until

MACHINE = "/dev/input/by-id/usb-SM_USB_Barcode_Scanner-event-kbd"
AT_COUNTER_2 = "/dev/input/by-path/platform-usb-0:1.3:1.0-event-kbd"
RECEIPT = "000.00.31.H47-241130-0001"


def config_with(*entries: dict, scanner: dict | None = None) -> dict:
    data = small_config().model_dump(mode="json", exclude_none=True)
    data["counter_scanners"] = list(entries)
    if scanner is not None:
        data["scanner"] = scanner
    return data


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------
# The config
# --------------------------------------------------------------------------


def test_a_counter_scanner_entry_is_read_with_its_counter_and_keys():
    config = parse_config(config_with({"counter": 2, "devices": [AT_COUNTER_2]}))
    assert config.counter_scanners == [CounterScannerConfig(counter=2, devices=[AT_COUNTER_2])]


def test_a_scanner_at_a_counter_that_does_not_exist_is_named_by_its_key():
    assert problems(config_with({"counter": 9, "devices": [AT_COUNTER_2]})) == [
        "counter_scanners[1].counter: there is no counter 9 in [[counters]]"]


def test_two_scanners_at_one_counter_are_refused():
    found = problems(config_with({"counter": 2, "devices": [AT_COUNTER_2]}, {"counter": 2, "names": ["Zebra"]}))
    assert found == ["counter_scanners[2].counter: counter 2 has a scanner already (counter_scanners[1]): one per counter"]


def test_an_entry_that_names_no_device_is_refused():
    assert problems(config_with({"counter": 2})) == [
        "counter_scanners[1]: usb_ids, names and devices are all empty: set at least one, or the scanner is never found"]


def test_two_entries_looking_for_the_same_devices_are_refused():
    found = problems(config_with({"counter": 1, "usb_ids": ["0c2e:0b61"]}, {"counter": 2, "usb_ids": ["0C2E:0B61"]}))
    assert found == ["counter_scanners[2]: looks for the same devices as counter_scanners[1]: give each scanner its "
                     "own devices pattern (the USB port it is plugged into)"]


def test_a_counter_scanner_with_another_backend_than_the_ticket_machines_is_refused():
    data = config_with({"counter": 2, "devices": [AT_COUNTER_2]}, scanner={"backend": "simulated"})
    assert problems(data) == ["counter_scanners[1].backend: 'real', but [scanner] is 'simulated': one service reads "
                              "every scanner, so give them all the same backend"]


def test_a_typo_in_an_entry_is_named_by_its_key():
    found = problems(config_with({"counter": 2, "device": [AT_COUNTER_2]}))
    assert "counter_scanners[1].device: unknown key (did you mean 'devices'?)" in found


# --------------------------------------------------------------------------
# Which device is whose
# --------------------------------------------------------------------------


@pytest.fixture
def service() -> Iterator[tuple[ScannerService, Events]]:
    events = Events()
    machine = ScannerConfig(backend="simulated", reconnect_min_ms=10, reconnect_max_ms=40, scan_interval_ms=100)
    at_counter = [CounterScannerConfig(counter=2, backend="simulated", devices=[AT_COUNTER_2])]
    service = open_scanner(machine, events.post, counter_scanners=at_counter, start=False)
    yield service, events
    service.close()


def scanned(events: Events) -> CodeScanned:
    while not isinstance(item := events.next(), CodeScanned):
        pass
    return item


def test_a_code_read_at_a_counter_says_which_counter(service):
    scanners, events = service
    assert scanners.simulated is not None
    # Named as the ticket machine's default names match ("... Barcode Scanner"): its path makes it counter 2's.
    scanner = scanners.simulated.plug(AT_COUNTER_2, name="USB Barcode Scanner")
    scanners.refresh()
    wait_until(lambda: scanner.grabbed)
    scanner.scan(RECEIPT)
    code = scanned(events)
    assert (code.counter, code.code) == (2, RECEIPT)


def test_a_code_read_at_the_ticket_machine_has_no_counter(service):
    scanners, events = service
    assert scanners.simulated is not None
    machine = scanners.simulated.plug(MACHINE)
    scanners.refresh()
    wait_until(lambda: machine.grabbed)
    machine.scan(RECEIPT)
    assert scanned(events).counter is None


def test_a_counter_scanner_not_plugged_in_is_reported_at_the_first_look(service):
    scanners, events = service
    assert scanners.simulated is not None
    scanners.simulated.plug(MACHINE)
    scanners.refresh()
    while not isinstance(item := events.next(), ScannerDisconnected):
        pass
    assert item.reason.startswith("scanner of counter 2: no barcode scanner found (looked for paths ")
    assert "counter_scanners[1]" in item.reason


# --------------------------------------------------------------------------
# kiosk doctor
# --------------------------------------------------------------------------


def doctor_lines(config_data: dict) -> list[str]:
    return [str(check) for check in run_checks(parse_config(config_data), Options())
            if check.name.startswith("scanner of counter")]


def test_doctor_has_one_line_per_counter_scanner():
    data = config_with({"counter": 1, "backend": "simulated", "devices": ["/dev/input/by-path/a"]},
                       {"counter": 2, "backend": "simulated", "devices": [AT_COUNTER_2]})
    assert doctor_lines(data) == ["OK   scanner of counter 1: simulated, layout us",
                                  "OK   scanner of counter 2: simulated, layout us"]


def test_doctor_finds_a_real_counter_scanner_by_its_port(monkeypatch):
    found = ScannerInfo(AT_COUNTER_2, "USB Barcode Scanner", 0x0C2E, 0x0B61)
    monkeypatch.setattr(scanner_module, "input_devices", lambda config: [found])
    assert doctor_lines(config_with({"counter": 2, "devices": [AT_COUNTER_2]})) == [
        f"OK   scanner of counter 2: 'USB Barcode Scanner' [0c2e:0b61] at {AT_COUNTER_2}, layout us"]


def test_doctor_fails_a_real_counter_scanner_that_is_not_plugged_in(monkeypatch):
    monkeypatch.setattr(scanner_module, "input_devices", lambda config: [])
    [line] = doctor_lines(config_with({"counter": 2, "devices": [AT_COUNTER_2]}))
    assert line.startswith(f"FAIL scanner of counter 2: no barcode scanner found (looked for paths {AT_COUNTER_2})")
    assert "counter_scanners[1]" in line


# --------------------------------------------------------------------------
# The simulation (kiosk run --simulate)
# --------------------------------------------------------------------------


def test_the_simulation_scans_at_a_counter_with_that_counters_simulated_scanner(tmp_path):
    from kiosk.devices import Devices
    from kiosk.simulation import Simulation, simulated_config

    config = simulated_config(parse_config(config_with({"counter": 2, "devices": [AT_COUNTER_2]})), tmp_path)
    assert config.counter_scanners[0].backend == "simulated"
    events = Events()
    scanners = open_scanner(config.scanner, events.post, counter_scanners=config.counter_scanners, start=False)
    try:
        simulation = Simulation(Devices(scanner=scanners), config, events.post, lambda call: call(), lambda: b"")
        assert scanners.simulated is not None
        plugged = scanners.simulated.get(AT_COUNTER_2)  # a path its devices pattern matches
        wait_until(lambda: plugged.grabbed)
        simulation.scan_at_counter(2, RECEIPT)
        code = scanned(events)
        assert (code.counter, code.code) == (2, RECEIPT)
    finally:
        scanners.close()


def test_the_technicians_check_says_at_which_counter_a_code_was_scanned(capsys):
    from drivers.scanner.__main__ import show

    show(CodeScanned(AT_COUNTER_2, RECEIPT, 2))
    assert capsys.readouterr().out.startswith(f"scanned at counter 2 on {AT_COUNTER_2}: not an ID card")
