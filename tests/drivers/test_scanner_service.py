"""The scanner's threads, backends, config and technician's check, on simulated scanners.

The reader thread runs unchanged on :class:`SimulatedScanner` devices (a pipe
stands in for the device node); the real backend runs on files and folders
laid out like /dev/input, with python-evdev's InputDevice or a stand-in for it.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import re
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

import drivers.scanner as scanner_module
import drivers.scanner.service as service_module
from drivers.base import DeviceError
from drivers.scanner import (
    CodeScanned,
    ScannerConfig,
    ScannerConnected,
    ScannerDisconnected,
    ScannerInfo,
    ScannerService,
    ScanRejected,
    matches,
    open_scanner,
)
from drivers.scanner.encoder import METHODS, encode
from drivers.scanner.evdev_backend import EvdevLister
from drivers.scanner.layouts import LAYOUTS
from drivers.scanner.simulated import DEFAULT_NAME, DEFAULT_PATH, SimulatedScanner, SimulatedScanners
from kiosk.cccd import SAMPLE_CARDS, NotACard, parse_cccd
from tests.drivers.service_threads import Events, RecordingEvent, wait_until

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "scanner.md"
KEYBOARD = "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd"


def make_config(**changes) -> ScannerConfig:
    values = {
        "backend": "simulated",
        "reconnect_min_ms": 10,
        "reconnect_max_ms": 40,
        "scan_interval_ms": 100,
    }
    values.update(changes)
    return ScannerConfig.model_validate(values)


@pytest.fixture
def bus():
    return SimulatedScanners()


@pytest.fixture
def running(bus):
    """A service on the simulated bus with one scanner plugged in and opened."""
    events = Events()
    scanner = bus.plug()
    service = open_scanner(make_config(), events.post, simulated=bus)
    assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)
    yield service, scanner, events
    service.close()


# --------------------------------------------------------------------------
# Reading, grabbing, reconnecting
# --------------------------------------------------------------------------


def test_the_scanner_is_found_grabbed_and_reads_a_card(running):
    service, scanner, events = running
    assert service.simulated is not None and service.watched() == [DEFAULT_PATH]
    assert scanner.grabbed  # its keys never reach the board window
    assert scanner.scan(SAMPLE_CARDS[0])
    assert events.next() == CodeScanned(DEFAULT_PATH, SAMPLE_CARDS[0])


@pytest.mark.parametrize("method", METHODS)
def test_every_sample_card_reads_through_the_reader_thread_by_every_method(running, method):
    _, scanner, events = running
    for card in SAMPLE_CARDS:
        scanner.scan(card, method)
        assert events.next() == CodeScanned(DEFAULT_PATH, card)


def test_a_code_without_enter_ends_after_the_silence_in_the_reader_thread(running):
    _, scanner, events = running
    scanner.scan("12345", suffix="")
    assert events.next() == CodeScanned(DEFAULT_PATH, "12345")


def test_a_reader_held_up_in_the_middle_of_a_long_scan_still_reads_one_card(bus):
    """A busy Pi may stop the reader thread for longer than ``end_gap_ms`` while it works through the
    keys it read at once: that is no silence of the scanner, and the card still reads whole."""
    ticks = iter(range(0, 10**9, 150))  # every look at the clock 150 ms after the last (end_gap_ms is 100)
    events = Events()
    scanner = bus.plug()
    service = open_scanner(make_config(), events.post, simulated=bus, clock=lambda: next(ticks) / 1000)
    try:
        assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)
        scanner.scan(SAMPLE_CARDS[0], "alt")  # about 2,000 key changes, read in one go
        assert events.next() == CodeScanned(DEFAULT_PATH, SAMPLE_CARDS[0])
        assert events.none_within(0.3)
    finally:
        service.close()


def test_unplugging_is_reported_and_plugging_in_again_reconnects(running, bus):
    service, scanner, events = running
    bus.unplug()
    down = events.next()
    assert isinstance(down, ScannerDisconnected) and down.device == DEFAULT_PATH
    assert "unplugged" in down.reason and "plug it back in" in down.reason
    assert events.none_within(0.3)  # still absent: said once
    wait_until(lambda: service.watched() == [])
    scanner = bus.plug()
    assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)
    assert scanner.grabbed
    scanner.scan("ABC")
    assert events.next() == CodeScanned(DEFAULT_PATH, "ABC")


def test_reopening_waits_longer_each_time_then_starts_short_again(bus):
    events = Events()
    attempts: list[float] = []

    def flaky_opener(path: str) -> SimulatedScanner:
        attempts.append(time.monotonic())
        if len(attempts) <= 3:
            raise OSError(errno.EIO, "Input/output error")
        return bus.open(path)

    bus.plug()
    service = ScannerService(make_config(), events.post, lister=bus.list, opener=flaky_opener)
    service.stopping = RecordingEvent("scanner /")
    service.start()
    try:
        down = events.next()
        assert isinstance(down, ScannerDisconnected) and "cannot read it" in down.reason
        assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)  # one Disconnected for three failures
        assert service.stopping.waits == [0.01, 0.02, 0.04]  # doubling up to reconnect_max_ms
    finally:
        service.close()


def test_no_scanner_at_start_is_reported_once_with_the_fix(bus):
    events = Events()
    service = open_scanner(make_config(), events.post, simulated=bus)
    try:
        down = events.next()
        assert down.device == "" and "no barcode scanner found" in down.reason
        assert "'Barcode'" in down.reason and "python -m drivers.scanner" in down.reason
        assert events.none_within(0.3)
        bus.plug()
        assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)
    finally:
        service.close()


def test_a_scanner_grabbed_by_another_program_is_reported_and_never_read_ungrabbed(bus):
    events = Events()
    scanner = bus.plug()
    scanner.grab_error = OSError(errno.EBUSY, "Device or resource busy")
    service = open_scanner(make_config(), events.post, simulated=bus)
    try:
        down = events.next()
        assert isinstance(down, ScannerDisconnected) and "another program has grabbed it" in down.reason
        scanner.scan("NOT READ")  # not open: nothing reads keys it could not grab
        assert events.none_within(0.2)
        scanner.grab_error = None  # the other program quits
        assert events.next() == ScannerConnected(DEFAULT_PATH, DEFAULT_NAME)
    finally:
        service.close()


def test_permission_denied_says_to_add_the_kiosk_user_to_the_input_group(bus):
    events = Events()
    scanner = bus.plug()
    scanner.grab_error = PermissionError(errno.EACCES, "Permission denied")
    service = open_scanner(make_config(), events.post, simulated=bus)
    try:
        assert "sudo adduser kiosk input" in events.next().reason
    finally:
        service.close()


def test_only_the_devices_the_config_matches_are_opened(bus):
    events = Events()
    keyboard = bus.plug(KEYBOARD, name="Logitech USB Keyboard", usb_id="046d:c31c")
    bus.plug()
    service = open_scanner(make_config(), events.post, simulated=bus)
    try:
        assert events.next().device == DEFAULT_PATH
        assert service.watched() == [DEFAULT_PATH]
        assert not keyboard.grabbed and not keyboard.is_open  # the technician's keyboard keeps working
    finally:
        service.close()


def test_an_unexpected_error_in_the_reader_is_reported_and_the_scanner_reopened(bus):
    events = Events()
    scanner = bus.plug()
    service = open_scanner(make_config(), events.post, simulated=bus)
    try:
        assert isinstance(events.next(), ScannerConnected)
        with scanner._lock:
            scanner._events.append(object())  # not an input event: the handler fails on it
            os.write(scanner._w, b"x")
        down = events.next()
        assert isinstance(down, ScannerDisconnected) and "unexpected error" in down.reason
        assert isinstance(events.next(), ScannerConnected)
        scanner.scan("OK")
        assert events.next() == CodeScanned(DEFAULT_PATH, "OK")
    finally:
        service.close()


def test_service_threads_stop_on_close(bus, monkeypatch):
    """close() wakes the reader even in its long sleep between scans."""
    monkeypatch.setattr(service_module, "_IDLE_POLL_S", 60.0)
    bus.plug()
    events = Events()
    service = open_scanner(make_config(), events.post, simulated=bus)
    assert isinstance(events.next(), ScannerConnected)
    service.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("scanner")]
    assert not bus.get().grabbed


# --------------------------------------------------------------------------
# Garbage never crashes the reader
# --------------------------------------------------------------------------


def test_a_10_kb_burst_is_one_rejection_and_the_next_card_reads(running):
    _, scanner, events = running
    scanner.scan("x" * 10_240)
    rejected = events.next()
    assert isinstance(rejected, ScanRejected) and "more than 1024 characters" in rejected.reason
    assert events.none_within(0.3)
    scanner.scan(SAMPLE_CARDS[1])
    assert events.next() == CodeScanned(DEFAULT_PATH, SAMPLE_CARDS[1])


def test_random_keys_post_only_rejections_or_codes_that_are_no_card(running):
    _, scanner, events = running
    rng = random.Random(12)
    for _ in range(8):
        scanner.type_raw((rng.randrange(1, 250), rng.choice([0, 1, 1, 2])) for _ in range(rng.randrange(1, 600)))
        time.sleep(0.15)  # a pause: each burst ends on its own
    posted = []
    while not events.queue.empty():
        posted.append(events.next())
    assert posted and all(isinstance(p, (CodeScanned, ScanRejected)) for p in posted)
    for item in posted:
        if isinstance(item, CodeScanned):
            with pytest.raises(NotACard):
                parse_cccd(item.code)
    scanner.scan(SAMPLE_CARDS[2], "ctrl_shift_u")  # whatever Shift or CapsLock the garbage left ended with it
    assert events.next() == CodeScanned(DEFAULT_PATH, SAMPLE_CARDS[2])


@pytest.mark.parametrize(
    "text",
    [
        "8934567890123",  # an EAN-13 on a product
        "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",  # a URL QR code
        SAMPLE_CARDS[3][:40],  # truncated
        SAMPLE_CARDS[3].replace("|", "/"),  # corrupted
    ],
)
def test_other_barcodes_are_read_and_are_no_card(running, text):
    _, scanner, events = running
    scanner.scan(text)
    item = events.next()
    assert item == CodeScanned(DEFAULT_PATH, text)
    with pytest.raises(NotACard):
        parse_cccd(item.code)


# --------------------------------------------------------------------------
# Personal data: never in a log line or a repr
# --------------------------------------------------------------------------


def _secrets(card: str) -> list[str]:
    """The parts of a card that must never be seen: ID numbers, name, words of the address, dates."""
    fields = card.split("|")
    return [f for f in fields[:4] + fields[6:] if f] + fields[2].split() + fields[5].split(",")


def test_logging_every_posted_event_shows_no_name_id_number_or_address(running, caplog):
    """As the app logs what devices post: nothing of a scanned card reaches the log."""
    service, scanner, _ = running
    log = logging.getLogger("kiosk.devices")
    seen: list = []

    def post(event) -> None:
        log.info("device event %r", event)
        log.debug("device event %s", event)
        seen.append(event)

    service.post = post
    caplog.set_level(logging.DEBUG)
    for method in METHODS:
        for card in SAMPLE_CARDS:
            scanner.scan(card, method)
            scanner.scan(card[:60] + "\x1b")  # a broken one: a rejection
    wait_until(lambda: len(seen) >= 2 * len(METHODS) * len(SAMPLE_CARDS), timeout=30)  # many keys: slow on a busy machine
    assert len(seen) == 2 * len(METHODS) * len(SAMPLE_CARDS), [type(e).__name__ for e in seen]
    assert {type(e) for e in seen} == {CodeScanned, ScanRejected}
    text = caplog.text
    for card in SAMPLE_CARDS:
        for secret in _secrets(card):
            assert secret.strip() not in text, secret


def test_rejection_reasons_never_quote_the_keys_read(running):
    _, scanner, events = running
    card = SAMPLE_CARDS[0]
    scanner.type_raw(encode(card[:30], LAYOUTS["us"]) + [("KEY_F5", 1), ("KEY_F5", 0)] + encode(card[30:] + "\n", LAYOUTS["us"]))
    rejected = events.next()
    assert isinstance(rejected, ScanRejected) and "KEY_F5" in rejected.reason
    assert not any(secret.strip() in rejected.reason for secret in _secrets(card))


# --------------------------------------------------------------------------
# Which device is the scanner
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config, info, found",
    [
        ({"usb_ids": ["0C2E:0B61"], "names": []}, ScannerInfo("/dev/input/event3", "HID 0c2e:0b61", 0x0C2E, 0x0B61), True),
        ({"usb_ids": ["0c2e:0b61"], "names": []}, ScannerInfo("/dev/input/event3", "X", 0x0C2E, 0x0B62), False),
        ({}, ScannerInfo("/dev/input/event3", "Honeywell Imaging & Mobility 1900 USB BARCODE scanner"), True),
        ({}, ScannerInfo(KEYBOARD, "Logitech USB Keyboard", 0x046D, 0xC31C), False),
        ({"names": [], "devices": ["/dev/input/by-path/*usb-0:1.3*"]},
         ScannerInfo("/dev/input/event3", "SM", links=("/dev/input/by-path/platform-usb-0:1.3:1.0-event-kbd",)), True),
        ({"names": ["scanner"]}, ScannerInfo("/dev/input/event4", "", error="permission denied"), False),
    ],
)
def test_the_scanner_is_picked_by_usb_id_name_or_path(config, info, found):
    assert matches(make_config(**config), info) is found


# --------------------------------------------------------------------------
# The real backend
# --------------------------------------------------------------------------


class FakeInputDevice:
    """python-evdev's InputDevice as the lister uses it, for nodes laid out in a temporary folder."""

    opened: list[str] = []
    devices = {"event3": ("SM SM-2D PRODUCT HID KBW Barcode", 0x0C2E, 0x0B61), "event4": ("Logitech USB Keyboard", 0x046D, 0xC31C)}

    def __init__(self, path: str) -> None:
        FakeInputDevice.opened.append(path)
        name = os.path.basename(path)
        if name == "event5":
            raise PermissionError(errno.EACCES, "Permission denied")
        self.name, vendor, product = self.devices[name]
        self.info = SimpleNamespace(vendor=vendor, product=product)

    def close(self) -> None:
        pass


@pytest.fixture
def dev_input(tmp_path):
    """A folder laid out like /dev/input: three nodes, by-id links for two of them."""
    root = tmp_path / "input"
    (root / "by-id").mkdir(parents=True)
    for node in ("event3", "event4", "event5"):
        (root / node).write_bytes(b"")
    (root / "by-id" / "usb-SM_SM-2D_PRODUCT_HID_KBW-event-kbd").symlink_to("../event3")
    (root / "by-id" / "usb-SM_SM-2D_PRODUCT_HID_KBW-if01-event-kbd").symlink_to("../event3")
    (root / "by-id" / "usb-Logitech_USB_Keyboard-event-kbd").symlink_to("../event4")
    FakeInputDevice.opened = []
    return root


def test_the_real_lister_names_each_device_by_its_stable_by_id_link(dev_input):
    lister = EvdevLister(SimpleNamespace(InputDevice=FakeInputDevice), make_config(), str(dev_input))
    infos = {info.name or info.error: info for info in lister()}
    scanner = infos["SM SM-2D PRODUCT HID KBW Barcode"]
    assert scanner.path == str(dev_input / "by-id" / "usb-SM_SM-2D_PRODUCT_HID_KBW-event-kbd")
    assert scanner.usb_id == "0c2e:0b61" and str(dev_input / "event3") in scanner.links
    assert infos["permission denied"].path == str(dev_input / "event5")
    assert [matches(make_config(), info) for info in lister()] == [True, False, False]


def test_the_real_lister_opens_a_node_only_when_it_is_new(dev_input):
    lister = EvdevLister(SimpleNamespace(InputDevice=FakeInputDevice), make_config(), str(dev_input))
    lister()
    lister()
    assert len(FakeInputDevice.opened) == 3
    (dev_input / "event4").unlink()  # unplugged, and another device plugged in as event4
    (dev_input / "event4").write_bytes(b"")
    lister()
    assert FakeInputDevice.opened[3:] == [str(dev_input / "event4")]


def test_no_scanner_found_counts_the_devices_that_cannot_be_read(dev_input):
    config = make_config(names=["Honeywell"])
    seen = EvdevLister(SimpleNamespace(InputDevice=FakeInputDevice), config, str(dev_input))()
    error = service_module.not_found_error(config, seen)
    assert "no barcode scanner found" in error.problem and "'Honeywell'" in error.problem
    assert "1 input device(s) cannot be read" in error.fix and "sudo adduser kiosk input" in error.fix


def test_real_backend_reads_through_evdev_and_reports_what_it_cannot_open(tmp_path, monkeypatch):
    """The real opener is evdev.InputDevice: on a file that is no input device it fails, and the reader says so."""
    fake_node = tmp_path / "usb-Fake_Scanner-event-kbd"
    fake_node.write_bytes(b"")
    events = Events()
    config = make_config(backend="real", names=[], devices=[str(tmp_path / "*-event-kbd")])
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda p: True if p == "/dev/input" else real_isdir(p))
    service = open_scanner(config, events.post)
    try:
        down = events.next()
        assert isinstance(down, ScannerDisconnected) and down.device == str(fake_node)
        assert "cannot read it" in down.reason
    finally:
        service.close()


def test_real_backend_without_dev_input_says_so(monkeypatch):
    real_isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda p: False if p == "/dev/input" else real_isdir(p))
    with pytest.raises(DeviceError, match='no /dev/input.*backend = "simulated"'):
        open_scanner(make_config(backend="real"), print)


def test_importing_the_driver_loads_no_device_library():
    code = "import sys, drivers.scanner, drivers.scanner.simulated; print(sorted(m for m in sys.modules if 'evdev' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"usb_ids": ["0c2e-0b61"]}, r"usb_ids\n.*not a USB id"),
        ({"names": [" "]}, r"names\n.*would match every device"),
        ({"names": [], "usb_ids": [], "devices": []}, "set at least one"),
        ({"layout": "vn"}, r"layout\n.*'us', 'de' or 'fr'"),
        ({"max_length": 10}, r"max_length\n.*greater than or equal to 64"),
        ({"reconnect_min_ms": 500, "reconnect_max_ms": 100}, "reconnect_max_ms .* is less than reconnect_min_ms"),
        ({"scanners": []}, "Extra inputs are not permitted"),
    ],
)
def test_bad_scanner_config_is_refused_naming_the_key(change, message):
    with pytest.raises(ValidationError, match=message):
        make_config(**change)


def test_usb_ids_are_kept_in_lower_case():
    assert make_config(usb_ids=["0C2E:0B61"]).usb_ids == ["0c2e:0b61"]


def test_the_example_in_the_docs_is_a_valid_config():
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    config = ScannerConfig.model_validate(tomllib.loads("\n".join(blocks))["scanner"])
    assert config.usb_ids == ["0c2e:0b61"] and config.layout == "us"


def test_a_simulated_scanner_plugged_for_a_config_is_found_by_it(bus):
    for config in (make_config(), make_config(names=[], usb_ids=["05e0:1200"]),
                   make_config(names=[], devices=["/dev/input/by-id/usb-Zebra*-event-kbd"])):
        scanner = bus.plug_for(config)
        assert matches(config, scanner.info)
        bus.unplug(scanner.path)


# --------------------------------------------------------------------------
# The technician's check and kiosk doctor
# --------------------------------------------------------------------------


def test_the_technicians_check_shows_a_card_as_its_masked_name_only(tmp_path, capsys):
    from drivers.scanner.__main__ import show

    show(CodeScanned(DEFAULT_PATH, SAMPLE_CARDS[0]))
    show(CodeScanned(DEFAULT_PATH, "8934567890123"))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"scanned on {DEFAULT_PATH}: an ID card (CCCD)? name Nguyễn T. H.; {len(SAMPLE_CARDS[0])} characters"
    assert out[1].endswith("not an ID card: 13 characters, 1 field(s) separated by |")
    assert "Hường" not in out[0] and "001099" not in "".join(out)


def test_the_technicians_check_runs_on_a_config_file(tmp_path, capsys):
    from drivers.scanner.__main__ import main

    config = tmp_path / "kiosk.toml"
    config.write_text('[scanner]\nbackend = "simulated"\nlayout = "de"\n', encoding="utf-8")
    assert main([str(config), "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("simulated backend") and out[1] == "layout 'de'; scan a code (0 s)..."


def test_doctor_checks_the_scanner(monkeypatch):
    from kiosk.doctor import Options, check_scanner

    assert check_scanner(SimpleNamespace(scanner=None), Options()).ok
    assert str(check_scanner(SimpleNamespace(scanner=make_config()), Options())) == "OK   scanner: simulated, layout us"
    real = make_config(backend="real")
    keyboard = ScannerInfo(KEYBOARD, "Logitech USB Keyboard", 0x046D, 0xC31C)
    monkeypatch.setattr(scanner_module, "input_devices", lambda config: [keyboard])
    failed = check_scanner(SimpleNamespace(scanner=real, counter_scanners=[]), Options())
    assert not failed.ok and failed.detail.startswith("no barcode scanner found")
    found = ScannerInfo(DEFAULT_PATH, "USB Barcode Scanner", 0x0C2E, 0x0B61)
    monkeypatch.setattr(scanner_module, "input_devices", lambda config: [keyboard, found])
    line = str(check_scanner(SimpleNamespace(scanner=real, counter_scanners=[]), Options()))
    assert line == f"OK   scanner: 'USB Barcode Scanner' [0c2e:0b61] at {DEFAULT_PATH}, layout us"
