"""``kiosk doctor``: check every configured device and the machine, one line each.

Each check opens the device through the same driver and backend the kiosk
uses and prints ``OK`` or ``FAIL`` with the fix, e.g.::

    FAIL printer: printer not found on USB 0416:5011: is it plugged in, and is the kiosk user in group lp?

Run it with the kiosk service stopped (the devices and the store are the
service's while it runs). ``--test-print``, ``--blink`` and ``--speak`` also
exercise the printer, the button LEDs and the loudspeaker.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from drivers.base import DeviceError
from kiosk.clock import SystemClock
from kiosk.config import Config

#: Below this much free space on the store's disk, the check fails.
MIN_FREE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


@dataclass(frozen=True)
class Options:
    """What to exercise besides checking."""

    test_print: bool = False
    blink: bool = False
    speak: bool = False


def _guard(name: str, check: Callable[[], str]) -> Check:
    """Run one check; a DeviceError (or any error) becomes a FAIL line, never a crash."""
    try:
        return Check(name, True, check())
    except DeviceError as exc:
        return Check(name, False, str(exc).removeprefix(f"{exc.device}: "))
    except Exception as exc:  # a driver bug must not hide the other checks
        return Check(name, False, f"unexpected {type(exc).__name__}: {exc}")


def _missing(name: str, section: str) -> Check:
    return Check(name, False, f"no [{section}] section in the config (see config/kiosk.example.toml)")


def check_printer(config: Config, options: Options) -> Check:
    if config.printer is None:
        return _missing("printer", "printer")

    def run() -> str:
        from drivers.printer import open_printer
        from drivers.printer.ticket import render_ticket, sample_view

        with open_printer(config.printer) as printer:
            status = printer.status()
            if not status.can_print:
                raise DeviceError("printer", status.message, status.fix)
            detail = f"{config.printer.backend}, {status.message}"
            if options.test_print:
                view = sample_view(
                    unit_name_vi=config.site.unit_name.vi,
                    unit_name_en=config.site.unit_name.en,
                    hotline=config.site.hotline,
                )
                printer.print_ticket(render_ticket(view, printer.width_dots))
                detail += "; test ticket printed"
            return detail

    return _guard("printer", run)


def check_board(config: Config, options: Options) -> Check:
    if config.board is None:
        return _missing("board", "board")

    def run() -> str:
        from drivers.board import open_board

        board = open_board(config.board)
        try:
            width, height = board.size
        finally:
            board.close()
        return f"{config.board.backend}, {width}x{height}"

    return _guard("board", run)


def check_speaker(config: Config, options: Options) -> Check:
    if config.speaker is None:
        return _missing("speaker", "speaker")

    def run() -> str:
        from drivers.speaker import open_announcer

        announcer = open_announcer(config.speaker)
        try:
            detail = f"{config.speaker.backend}, {', '.join(config.speaker.languages)}"
            if options.speak:
                phrase = announcer.call("1005", 3)
                announcer.wait(timeout=60)
                detail += f"; said: {phrase.text.splitlines()[0]}"
        finally:
            announcer.close()
        return detail

    return _guard("speaker", run)


def check_buttons(config: Config, options: Options) -> Check:
    if config.buttons is None:
        return _missing("buttons", "buttons")

    def run() -> str:
        from drivers.buttons import open_buttons

        panel = open_buttons(
            config.buttons, lambda event: None, rating_levels=len(config.rating.levels), background=False
        )
        try:
            if options.blink:
                for service in config.buttons.services:
                    panel.set_service_led(service, "blink")
                for counter in config.buttons.rating:
                    panel.set_rating_leds(counter, "blink")
                if config.buttons.priority is not None:
                    panel.set_priority_led("blink")
                for group in config.buttons.groups:
                    panel.set_group_led(group, "blink")
                time.sleep(3)
        finally:
            panel.close()
        count = (len(config.buttons.services) + len(config.buttons.rating) * len(config.rating.levels)
                 + len(config.buttons.groups))
        return f"{config.buttons.backend}, {count} buttons" + ("; LEDs blinked for 3 s" if options.blink else "")

    return _guard("buttons", run)


def check_keypads(config: Config, options: Options) -> Check:
    if config.keypads is None:
        return Check("keypads", True, "none configured (officers use the counter page)")

    def run() -> str:
        from drivers.keypad import find_devices, list_pairings

        pairings = list_pairings(config.keypads.pairings_file)
        paired = ", ".join(f"counter {p.counter}" for p in sorted(pairings, key=lambda p: p.counter)) or "none"
        if config.keypads.backend == "simulated":
            return f"simulated; paired: {paired}"
        found = find_devices(config.keypads)
        if not found:
            raise DeviceError(
                "keypads", "no keypad found under /dev/input/by-id", "plug the USB keypads in; is the kiosk user in group input?"
            )
        return f"{len(found)} found; paired: {paired}"

    return _guard("keypads", run)


def check_scanner(config: Config, options: Options) -> Check:
    scanner = config.scanner
    if scanner is None:
        return Check("scanner", True, "none configured (citizens take tickets without their ID card)")

    def run() -> str:
        from drivers.scanner import input_devices, role_of
        from drivers.scanner.service import not_found_error

        if scanner.backend == "simulated":
            return f"simulated, layout {scanner.layout}"
        seen = input_devices(scanner)
        # A device a counter's scanner takes is not the ticket machine's, whatever its name.
        found = [info for info in seen if (role := role_of(info, scanner, config.counter_scanners)) and role.counter is None]
        if not found:
            raise not_found_error(scanner, seen)
        more = f" (and {len(found) - 1} more input device(s) of it)" if len(found) > 1 else ""
        return f"{found[0].describe()}{more}, layout {scanner.layout}"

    return _guard("scanner", run)


def check_counter_scanners(config: Config, options: Options) -> list[Check]:
    """One line per counter's scanner (``[[counter_scanners]]``): found, and not taken by another entry."""
    return [_check_counter_scanner(config, i) for i in range(1, len(config.counter_scanners) + 1)]


def _check_counter_scanner(config: Config, i: int) -> Check:
    entry = config.counter_scanners[i - 1]
    name = f"scanner of counter {entry.counter}"

    def run() -> str:
        from drivers.scanner import input_devices, matches, role_of
        from drivers.scanner.service import not_found_error

        if entry.backend == "simulated":
            return f"simulated, layout {entry.layout}"
        seen = input_devices(entry)
        found = [info for info in seen if matches(entry, info)]
        if not found:
            raise not_found_error(entry, seen, f"counter_scanners[{i}]")
        mine = [info for info in found
                if (role := role_of(info, config.scanner, config.counter_scanners)) and role.counter == entry.counter]
        if not mine:
            raise DeviceError(name, f"{found[0].describe()} is taken by an earlier entry of [[counter_scanners]]",
                              "give each scanner its own devices pattern (the USB port it is plugged into)")
        more = f" (and {len(mine) - 1} more input device(s) of it)" if len(mine) > 1 else ""
        return f"{mine[0].describe()}{more}, layout {entry.layout}"

    return _guard(name, run)


def check_rating_pads(config: Config, options: Options) -> list[Check]:
    """One line per rating pad (``[[rating_pads.pads]]``): its expander answers at its address, or its USB
    keypad is found and can be grabbed; ``--blink`` blinks the expander pads' LEDs for 3 s."""
    pads = config.rating_pads
    if pads is None:
        return []
    from drivers.ratingpad.expander import ExpanderPads
    from drivers.ratingpad.usb import UsbPads, evdev_backend, not_found

    chips: dict[str, str | DeviceError] = {}  # expander id -> what it says, or why it failed

    def open_bus(number: int) -> object:
        if pads.backend == "real":
            from drivers.ratingpad.i2c_real import open_bus as real_bus

            return real_bus(number)
        from drivers.ratingpad.i2c_simulated import SimulatedI2C

        bus = SimulatedI2C(number)
        for chip in pads.expanders:
            if chip.bus == number:
                bus.plug(chip.address)
        return bus

    def probe(chip_id: str) -> str:
        if chip_id not in chips:
            chip = next(c for c in pads.expanders if c.id == chip_id)
            on_chip = [p for p in pads.pads if p.expander == chip_id]
            try:
                driver = ExpanderPads(pads.model_copy(update={"expanders": [chip], "pads": on_chip}),
                                      lambda event: None, open_bus, background=False)
                try:
                    if options.blink:
                        for pad in on_chip:
                            driver.set_led(pad.counter, "blink")
                        for _ in range(300):
                            driver.poll()
                            time.sleep(0.01)
                finally:
                    driver.close()
                chips[chip_id] = f"MCP23017 {chip.address:#04x} on I2C bus {chip.bus} answers ({pads.backend})"
            except DeviceError as exc:
                chips[chip_id] = exc
        found = chips[chip_id]
        if isinstance(found, DeviceError):
            raise found
        return found + ("; LED blinked for 3 s" if options.blink else "")

    usb: UsbPads | None = None

    def usb_pad(counter: int) -> str:
        nonlocal usb
        pad = next(p for p in pads.pads if p.counter == counter)
        if pads.backend == "simulated":
            return "simulated USB keypad"
        if usb is None:
            lister, opener = evdev_backend(pads)
            usb = UsbPads(pads, lambda event: None, scale=len(config.rating.levels), lister=lister, opener=opener)
        info = usb.assign(usb.lister()).get(counter)
        if info is None:
            raise not_found(pad)
        device = usb.opener(info.path)
        try:
            device.grab()  # the kiosk grabs it: nothing else may hold it
            device.ungrab()
        except OSError as exc:
            from drivers.inputs.reading import FIX_INPUT_GROUP

            raise DeviceError(f"rating pad of counter {counter}", f"{info.describe()} cannot be grabbed ({exc})",
                              f"stop the program holding it (the kiosk service?); {FIX_INPUT_GROUP}") from exc
        finally:
            device.close()
        return f"USB keypad {info.describe()}, grabbable"

    checks = []
    for pad in pads.pads:
        name = f"rating pad of counter {pad.counter}"
        if pad.expander is not None:
            checks.append(_guard(name, lambda chip_id=pad.expander: probe(chip_id)))
        else:
            checks.append(_guard(name, lambda counter=pad.counter: usb_pad(counter)))
    if usb is not None:
        usb.close()
    return checks


def check_camera(config: Config, options: Options) -> Check:
    if config.camera is None or not config.camera.enabled:
        return Check("camera", True, "not enabled")

    def run() -> str:
        from drivers.camera import open_camera

        camera = open_camera(config.camera, [c.number for c in config.counters])
        assert camera is not None
        try:
            jpeg = next(iter(camera.frames()))
        finally:
            camera.close()
        return f"{config.camera.backend}, a {len(jpeg) // 1024} KiB frame"

    return _guard("camera", run)


def check_microphone(config: Config, options: Options) -> Check:
    """The stream's microphone records sound (one second, its level shown)."""
    if config.stream is None or not config.stream.enabled or config.camera is None:
        return Check("microphone", True, "not used (no [stream] to central)")

    def run() -> str:
        from drivers.stream.checks import check_microphone as record

        return record(config.stream, config.camera.backend)

    return _guard("microphone", run)


def check_stream(config: Config, options: Options) -> Check:
    """A test publish of the camera and microphone to central, a few seconds long."""
    stream, camera_config, sync = config.stream, config.camera, config.sync
    if stream is None or not stream.enabled or camera_config is None or sync is None or not sync.server_url:
        return Check("stream", True, "not enabled")

    def run() -> str:
        from drivers.camera import open_camera
        from drivers.stream.checks import trial_publish
        from drivers.stream.keys import CentralKeys
        from drivers.stream.publisher import open_publisher
        from drivers.stream.settings import EncoderSettings
        from kiosk.enrolment import read_token, tls_verify

        camera = open_camera(camera_config.model_copy(update={"enabled": True}), [c.number for c in config.counters])
        try:
            keys = CentralKeys(sync.server_url or "", lambda: read_token(sync.token_file)["token"],
                               tls_verify(sync.ca_file))
            publisher = open_publisher(stream, camera, keys, camera_config.backend,
                                       EncoderSettings.of(stream, camera_config))
            return trial_publish(publisher)
        finally:
            if camera is not None:
                camera.close()

    return _guard("stream", run)


def check_stream_to_central(config: Config, options: Options) -> list[Check]:
    """The microphone and a test publish, when ``[stream]`` is on (no lines otherwise)."""
    if config.stream is None or not config.stream.enabled:
        return []
    return [check_microphone(config, options), check_stream(config, options)]


def check_clock(config: Config, options: Options) -> Check:
    clock = SystemClock()
    now = clock.now().astimezone(config.site.tz)
    if clock.synced():
        return Check("clock", True, f"synchronised, {now:%Y-%m-%d %H:%M} {config.site.timezone}")
    return Check(
        "clock",
        False,
        f"not synchronised (reads {now:%Y-%m-%d %H:%M}); connect the network so NTP can set it "
        "(tickets still work: the business day never goes backwards)",
    )


def check_disk(config: Config, options: Options) -> Check:
    folder = Path(config.store.path).parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    text = f"{free / 2**30:.1f} GiB free on {folder}"
    if free < MIN_FREE_BYTES:
        return Check("disk", False, f"only {text}; delete old snapshots or use a larger SD card")
    return Check("disk", True, text)


def check_store(config: Config, options: Options) -> Check:
    path = Path(config.store.path)
    if not path.exists():
        return Check("store", True, f"{path} not created yet (the kiosk creates it)")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            events = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return Check("store", False, f"{path} cannot be read ({exc}); restore it from the central server's copy")
    if result != "ok":
        return Check("store", False, f"{path} is damaged: {result}")
    return Check("store", True, f"{path}: integrity ok, {events} events")


def check_central(config: Config, options: Options) -> Check:
    sync = config.sync
    if sync is None or not sync.server_url:
        return Check("central", True, "no central server configured (the office works offline)")

    def run() -> str:
        import httpx

        from kiosk.enrolment import tls_verify

        try:
            response = httpx.get(f"{sync.server_url.rstrip('/')}/api/v1/health", timeout=5, verify=tls_verify(sync.ca_file))
        except httpx.HTTPError as exc:
            raise DeviceError(
                "central", f"cannot reach {sync.server_url} ({exc})",
                "check the network cable or Wi-Fi and sync.server_url; the office keeps working offline",
            ) from None
        if response.status_code != 200:
            raise DeviceError("central", f"{sync.server_url} answered {response.status_code}", "check sync.server_url")
        if not Path(sync.token_file).exists():
            raise DeviceError("central", f"reachable, but this kiosk is not enrolled ({sync.token_file} is missing)",
                              "run: kiosk enroll (with sync.enrolment_code set)")
        return f"{sync.server_url} reachable, enrolled"

    return _guard("central", run)


CHECKS = (
    check_printer, check_board, check_speaker, check_buttons, check_keypads, check_scanner, check_counter_scanners,
    check_rating_pads, check_camera, check_stream_to_central,
    check_clock, check_disk, check_store, check_central,
)


def run_checks(config: Config, options: Options = Options()) -> Iterator[Check]:
    """Every check, in order; each yields one line (a check of several devices, one per device)."""
    for check in CHECKS:
        found = check(config, options)
        yield from found if isinstance(found, list) else [found]


def main(config: Config, options: Options, out: Callable[[str], None] = print) -> int:
    """Print the report; 1 if anything failed."""
    out(f"kiosk doctor, {datetime.now():%Y-%m-%d %H:%M:%S}")
    failed = 0
    for check in run_checks(config, options):
        out(str(check))
        failed += not check.ok
    out("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0
