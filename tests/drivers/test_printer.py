"""The printer: the bytes it is sent, decoded back into what it would print."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops
from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.printer import PrinterConfig, PrinterError, PrinterState, load_printer_config, open_printer
from drivers.printer.__main__ import main
from drivers.printer.decode import decode, decode_rasters, stack
from drivers.printer.escpos_backend import RealPrinter, _bulk_endpoints
from drivers.printer.raster import MAX_BAND_HEIGHT, raster_bands, ticket_bytes
from drivers.printer.simulated import SimulatedPrinter
from drivers.printer.ticket import render_ticket, sample_view

# ---------------------------------------------------------------------------
# helpers


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def simulated(tmp_path: Path, **changes: object) -> SimulatedPrinter:
    config = PrinterConfig(backend="simulated", output_dir=str(tmp_path / "out"), **changes)
    printer = open_printer(config)
    assert isinstance(printer, SimulatedPrinter)
    return printer


def written(printer: SimulatedPrinter) -> list[str]:
    return sorted(p.name for p in printer.output_dir.iterdir())


class FakeNetworkPrinter:
    """An ESC/POS printer on 127.0.0.1 that answers DLE EOT status requests.

    ``online``/``paper``/``cause`` are the status bytes it answers; ``answer``
    False makes it silent; ``reset_after`` makes it drop the connection (TCP
    reset) once that many ticket bytes arrived. Everything else it receives is
    kept in ``received`` (status requests are not).
    """

    OK = 0x12  # fixed bits of every status byte

    def __init__(self) -> None:
        self.online = self.OK
        self.paper = self.OK
        self.cause = self.OK
        self.answer = True
        self.reset_after: int | None = None
        self.received = bytearray()
        self.queries: list[int] = []
        self.connections = 0
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(4)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 60  # stops by itself
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                self._serve(conn, deadline)

    def _serve(self, conn: socket.socket, deadline: float) -> None:
        conn.settimeout(0.2)
        pending = bytearray()
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                self.received += pending
                return
            pending += chunk
            # The client waits for the answer, so a request is the last thing
            # received, after whole commands.
            if len(pending) >= 3 and pending[-3:-1] == b"\x10\x04" and self._whole(pending[:-3]):
                self.received += pending[:-3]
                kind = pending[-1]
                pending.clear()
                self.queries.append(kind)
                if self.answer:
                    reply = {1: self.online, 4: self.paper, 2: self.cause}.get(kind, self.OK)
                    conn.sendall(bytes([reply]))
            if self.reset_after is not None and len(self.received) + len(pending) >= self.reset_after:
                self.received += pending
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.reset_after = None
                return

    @staticmethod
    def _whole(data: bytes) -> bool:
        try:
            decode(bytes(data))
        except ValueError:
            return False
        return True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def fake() -> FakeNetworkPrinter:
    server = FakeNetworkPrinter()
    yield server
    server.close()


def network(fake: FakeNetworkPrinter, **changes: object) -> RealPrinter:
    config = PrinterConfig(
        backend="real", connection="network", host="127.0.0.1", port=fake.port,
        timeout_s=2, status_timeout_s=0.5, paper_width_mm=58, **changes,
    )
    printer = open_printer(config)
    assert isinstance(printer, RealPrinter)
    return printer


# ---------------------------------------------------------------------------
# the bytes


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("changes", [{}, {"priority": True, "languages": ("vi",), "qr_url": None}])
def test_simulated_printer_prints_the_rendered_ticket_pixel_for_pixel(tmp_path: Path, paper: int, changes: dict) -> None:
    printer = simulated(tmp_path, paper_width_mm=paper)
    ticket = render_ticket(sample_view(**changes), printer.width_dots)
    printer.print_ticket(ticket)
    assert written(printer) == ["ticket-0001.bin", "ticket-0001.png"]
    data = (printer.output_dir / "ticket-0001.bin").read_bytes()
    job = decode(data)
    # Only raster images and a cut: never text mode.
    assert job.text == b""
    assert job.commands[0] == "ESC @"
    assert set(job.commands[1:-2]) == {"GS v 0"}
    assert job.commands[-2:] == ("ESC d", "GS V")
    assert job.cut and job.cut_mode == "partial"
    printed = stack(decode_rasters(data))
    assert printed.width == {58: 384, 80: 576}[paper]
    assert same(printed, ticket)
    with Image.open(printer.output_dir / "ticket-0001.png") as png:
        assert same(png, ticket)


def test_full_cut_when_configured(tmp_path: Path) -> None:
    image = render_ticket(sample_view(), 576)
    assert decode(ticket_bytes(image, 576, cut="full")).cut_mode == "full"


def test_ticket_wider_than_the_paper_is_refused(tmp_path: Path) -> None:
    printer = simulated(tmp_path, paper_width_mm=58)
    with pytest.raises(ValueError, match="576 dots wide"):
        printer.print_ticket(render_ticket(sample_view(), 576))
    assert written(printer) == []


@given(st.integers(min_value=1, max_value=6000))
def test_raster_bands_cover_the_image_and_avoid_heights_printers_garble(height: int) -> None:
    bands = raster_bands(height)
    assert bands[0][0] == 0 and bands[-1][1] == height
    for (top, bottom), following in zip(bands, bands[1:] + [None]):
        assert 0 < bottom - top <= MAX_BAND_HEIGHT
        assert (bottom - top) % 48 != 0
        if following is not None:
            assert following[0] == bottom


def test_decoder_rejects_what_it_does_not_understand() -> None:
    with pytest.raises(ValueError, match="byte 2"):
        decode(b"\x1b@\x1b\x7f")
    with pytest.raises(ValueError, match="cut short"):
        decode(b"\x1dv0\x00\x02\x00\x10\x00" + b"\x00" * 5)
    job = decode(b"\x1b@Hello\n\x1dV\x00")
    assert job.text == b"Hello" and job.rasters == () and not job.cut


def test_decoder_reads_bits_as_printed_dots() -> None:
    # One row of 16 dots: the first 8 printed (black), the next 8 blank.
    job = decode(b"\x1dv0\x00\x02\x00\x01\x00\xff\x00\x1dV\x01")
    (image,) = job.rasters
    assert image.size == (16, 1)
    assert [image.getpixel((x, 0)) for x in (0, 7, 8, 15)] == [0, 0, 255, 255]
    assert job.cut and job.cut_mode == "partial"


# ---------------------------------------------------------------------------
# the simulated printer


def test_paper_out_refuses_with_the_status_and_writes_nothing(tmp_path: Path) -> None:
    printer = simulated(tmp_path)
    ticket = render_ticket(sample_view(), printer.width_dots)
    printer.run_out_of_paper()
    assert printer.status().state is PrinterState.PAPER_OUT
    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.PAPER_OUT
    assert isinstance(caught.value, DeviceError)
    assert "out of paper" in str(caught.value) and "new roll" in str(caught.value)
    assert written(printer) == []
    printer.refill_paper()
    assert printer.status().state is PrinterState.OK
    printer.print_ticket(ticket)
    assert written(printer) == ["ticket-0001.bin", "ticket-0001.png"]


def test_low_paper_still_prints_offline_does_not(tmp_path: Path) -> None:
    printer = simulated(tmp_path)
    ticket = render_ticket(sample_view(), printer.width_dots)
    printer.simulate(PrinterState.PAPER_LOW)
    printer.print_ticket(ticket)
    assert printer.status().state is PrinterState.PAPER_LOW
    printer.simulate(PrinterState.OFFLINE, "cover open")
    with pytest.raises(PrinterError, match="cover open") as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert written(printer) == ["ticket-0001.bin", "ticket-0001.png"]


def test_numbering_carries_on_after_a_restart(tmp_path: Path) -> None:
    ticket = render_ticket(sample_view(), 576)
    first = simulated(tmp_path)
    first.print_ticket(ticket)
    first.print_ticket(ticket)
    first.close()
    second = simulated(tmp_path)
    second.print_ticket(ticket)
    assert second.last_ticket is not None and second.last_ticket.name == "ticket-0003.bin"


def test_a_print_that_fails_midway_raises(tmp_path: Path) -> None:
    printer = simulated(tmp_path)
    ticket = render_ticket(sample_view(), printer.width_dots)
    printer.output_dir.rmdir()
    printer.output_dir.write_text("not a folder")  # the last hop breaks
    with pytest.raises(PrinterError, match="failed midway") as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE


def test_prints_from_many_threads_are_all_whole(tmp_path: Path) -> None:
    printer = simulated(tmp_path, paper_width_mm=58)
    tickets = [render_ticket(sample_view(number=str(1000 + i)), 384) for i in range(8)]
    threads = [threading.Thread(target=printer.print_ticket, args=(t,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bins = sorted(printer.output_dir.glob("ticket-*.bin"))
    assert [p.name for p in bins] == [f"ticket-{i:04d}.bin" for i in range(1, 9)]
    printed = [decode(p.read_bytes()).image() for p in bins]
    for ticket in tickets:
        assert sum(same(ticket, image) for image in printed) == 1


def test_closed_printer_refuses(tmp_path: Path) -> None:
    printer = simulated(tmp_path)
    printer.close()
    assert printer.status().state is PrinterState.OFFLINE
    with pytest.raises(PrinterError, match="closed"):
        printer.print_ticket(render_ticket(sample_view(), 576))


def test_self_test_command_prints_a_ticket(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "office.toml"
    config.write_text('[printer]\nbackend = "simulated"\npaper_width_mm = 58\n', encoding="utf-8")
    assert main([str(config), "--simulated", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "status: ok: ready" in out and "384 dots" in out
    data = (tmp_path / "out" / "ticket-0001.bin").read_bytes()
    assert same(decode(data).image(), render_ticket(sample_view(), 384))


# ---------------------------------------------------------------------------
# the real backend


def test_real_backend_sends_exactly_the_simulated_bytes(tmp_path: Path) -> None:
    ticket = render_ticket(sample_view(priority=True), 384)
    sim = simulated(tmp_path, paper_width_mm=58)
    sim.print_ticket(ticket)
    device = tmp_path / "lp0"
    device.touch()
    real = open_printer(PrinterConfig(backend="real", connection="file", device=str(device), paper_width_mm=58))
    assert real.status().state is PrinterState.OK  # a device file cannot be asked
    real.print_ticket(ticket)
    real.close()
    assert device.read_bytes() == (sim.output_dir / "ticket-0001.bin").read_bytes()


def test_missing_usb_printer_says_how_to_fix_it() -> None:
    from escpos.printer import Usb

    with pytest.raises(DeviceError) as caught:
        open_printer(PrinterConfig(backend="real", connection="usb", vendor_id="0416", product_id="5011"))
    if Usb.is_usable():  # pyusb and libusb installed, and no such device on this machine
        assert "printer: not found on USB 0416:5011 (is it plugged in" in str(caught.value)
        assert "plugged in" in caught.value.fix and "group lp" in caught.value.fix
    else:
        assert "pyusb" in str(caught.value)


def test_missing_device_file_says_how_to_fix_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "lp0"
    with pytest.raises(DeviceError) as caught:
        open_printer(PrinterConfig(backend="real", connection="file", device=str(missing)))
    assert str(missing) in str(caught.value) and "group lp" in caught.value.fix


def test_network_printer_not_listening(fake: FakeNetworkPrinter) -> None:
    port = fake.port
    fake.close()
    with pytest.raises(DeviceError, match=f"printer: cannot connect to 127.0.0.1:{port}"):
        open_printer(PrinterConfig(backend="real", connection="network", host="127.0.0.1", port=port))


def test_network_printer_prints_the_same_bytes(fake: FakeNetworkPrinter) -> None:
    printer = network(fake)
    assert printer.status().state is PrinterState.OK
    ticket = render_ticket(sample_view(), 384)
    printer.print_ticket(ticket)
    printer.close()
    deadline = time.monotonic() + 5
    while len(fake.received) < len(ticket_bytes(ticket, 384)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(fake.received) == ticket_bytes(ticket, 384, cut="partial")
    assert same(decode(bytes(fake.received)).image(), ticket)
    # Asked before and after the ticket: online (1) and paper (4).
    assert fake.queries[:2] == [1, 4] and fake.queries[-2:] == [1, 4]


def test_network_printer_out_of_paper_is_not_sent_the_ticket(fake: FakeNetworkPrinter) -> None:
    printer = network(fake)
    fake.online = 0x1A  # offline bit, as printers report when the paper ran out
    fake.paper = 0x72  # paper-end sensor
    status = printer.status()
    assert status.state is PrinterState.PAPER_OUT
    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(render_ticket(sample_view(), 384))
    assert caught.value.status.state is PrinterState.PAPER_OUT
    time.sleep(0.1)
    assert bytes(fake.received) == b""
    printer.close()


def test_network_printer_low_paper_and_cover_open(fake: FakeNetworkPrinter) -> None:
    printer = network(fake)
    fake.paper = 0x1E  # near-end sensor
    assert printer.status().state is PrinterState.PAPER_LOW
    printer.print_ticket(render_ticket(sample_view(), 384))  # still prints
    fake.paper = 0x12
    fake.online = 0x1A
    fake.cause = 0x12 | 0x04  # cover open
    status = printer.status()
    assert status.state is PrinterState.OFFLINE and "cover is open" in status.message
    with pytest.raises(PrinterError, match="cover is open"):
        printer.print_ticket(render_ticket(sample_view(), 384))
    printer.close()


def test_network_printer_that_never_answers_is_offline(fake: FakeNetworkPrinter) -> None:
    printer = network(fake)
    fake.answer = False
    started = time.monotonic()
    status = printer.status()
    assert status.state is PrinterState.OFFLINE
    assert f"no answer from 127.0.0.1:{fake.port}" in status.message
    assert time.monotonic() - started < 3  # status_timeout_s, not timeout_s
    printer.close()


def test_network_printer_not_asked_when_check_status_is_off(fake: FakeNetworkPrinter) -> None:
    printer = network(fake, check_status=False)
    fake.answer = False
    assert printer.status().state is PrinterState.OK
    ticket = render_ticket(sample_view(), 384)
    printer.print_ticket(ticket)
    printer.close()
    deadline = time.monotonic() + 5
    while len(fake.received) < len(ticket_bytes(ticket, 384)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.queries == [] and bytes(fake.received) == ticket_bytes(ticket, 384)


def test_network_print_failing_midway_raises_then_recovers(fake: FakeNetworkPrinter) -> None:
    printer = network(fake)
    ticket = render_ticket(sample_view(), 384)
    fake.reset_after = 2000  # the printer drops the connection during the ticket
    with pytest.raises(PrinterError) as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert "print the ticket again" in caught.value.fix
    # The next ticket reconnects and prints.
    printer.print_ticket(ticket)
    assert fake.connections == 2
    printer.close()


def test_usb_endpoints_are_read_from_the_device() -> None:
    def ep(address: int, attributes: int = 0x02) -> SimpleNamespace:
        return SimpleNamespace(bEndpointAddress=address, bmAttributes=attributes)

    # A POS-58 style printer: bulk IN 0x81, bulk OUT 0x03 (not python-escpos's 0x82/0x01).
    assert _bulk_endpoints([[ep(0x81), ep(0x03)]]) == (0x81, 0x03)
    assert _bulk_endpoints([[ep(0x83, 0x03)], [ep(0x02), ep(0x82)]]) == (0x82, 0x02)  # skip interrupt-only
    assert _bulk_endpoints([[ep(0x01)]]) == (None, 0x01)  # one-way printer
    assert _bulk_endpoints([[ep(0x81)]]) == (None, None)


# ---------------------------------------------------------------------------
# configuration


def error_keys(exc: ValidationError) -> list[tuple]:
    return [tuple(e["loc"]) for e in exc.errors()]


def test_config_defaults_and_derived_dots() -> None:
    config = PrinterConfig()
    assert (config.backend, config.connection, config.paper_width_mm, config.dots) == ("real", "usb", 80, 576)
    assert PrinterConfig(paper_width_mm=58).dots == 384
    assert PrinterConfig(vendor_id="0x04B8", product_id="0E15").vendor_id == "04b8"
    assert PrinterConfig(connection="serial").device == "/dev/ttyUSB0"
    assert PrinterConfig(connection="file").device == "/dev/usb/lp0"
    assert PrinterConfig(connection="file", device="/dev/usb/lp1").device == "/dev/usb/lp1"


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"vendor_id": "xyz"}, "vendor_id", "4 hex digits"),
        ({"vendor_id": 1046}, "vendor_id", "in quotes"),
        ({"product_id": "50111"}, "product_id", "4 hex digits"),
        ({"paper_width_mm": 70}, "paper_width_mm", "58"),
        ({"baudrate": 9601}, "baudrate", "standard speed"),
        ({"port": 0}, "port", ""),
        ({"in_endpoint": "zz"}, "in_endpoint", "hex"),
        ({"backend": "fake"}, "backend", ""),
        ({"papr_width_mm": 58}, "papr_width_mm", ""),
    ],
)
def test_config_errors_name_the_key(changes: dict, key: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PrinterConfig(**changes)
    assert (key,) in error_keys(caught.value)
    assert words in str(caught.value)


def test_config_cross_checks() -> None:
    with pytest.raises(ValidationError, match="host is required"):
        PrinterConfig(connection="network")
    with pytest.raises(ValidationError, match="OUT endpoint"):
        PrinterConfig(in_endpoint="01")
    with pytest.raises(ValidationError, match="IN endpoint"):
        PrinterConfig(out_endpoint="81")


def test_config_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_text(
        '[printer]\nbackend = "real"\nconnection = "usb"\nvendor_id = "0416"\nproduct_id = "5011"\n'
        'out_endpoint = "03"\npaper_width_mm = 58\n',
        encoding="utf-8",
    )
    config = load_printer_config(path)
    assert (config.vendor_id, config.product_id, config.out_endpoint, config.dots) == ("0416", "5011", "03", 384)
    assert config.where == "USB 0416:5011"


def test_real_print_failing_while_sending_raises() -> None:
    # /dev/full takes the open but fails every write, like a printer that
    # vanishes while the ticket is being sent.
    printer = open_printer(PrinterConfig(backend="real", connection="file", device="/dev/full", paper_width_mm=58))
    with pytest.raises(PrinterError, match="failed midway") as caught:
        printer.print_ticket(render_ticket(sample_view(), 384))
    assert caught.value.status.state is PrinterState.OFFLINE
    assert "No space left" in str(caught.value)
    printer.close()


@pytest.mark.parametrize("width", [384, 576])
def test_fast_raster_is_byte_for_byte_python_escpos(width):
    from escpos.printer import Dummy

    from drivers.printer.raster import MAX_BAND_HEIGHT, raster_command
    from drivers.printer.ticket import render_ticket, sample_view

    image = render_ticket(sample_view(priority=True), width).convert("1")
    band = image.crop((0, 0, width, min(image.height, MAX_BAND_HEIGHT)))
    library = Dummy()
    library.image(band, impl="bitImageRaster", fragment_height=MAX_BAND_HEIGHT, center=False)
    assert raster_command(band) == library.output


# --- python-escpos's capabilities cache -------------------------------------------------

# Opening a real printer (here the device file /dev/null) is what imports python-escpos.
IMPORT_PRINTER = (
    "import os; from drivers.printer import PrinterConfig, open_printer; "
    "open_printer(PrinterConfig(backend='real', connection='file', device=os.devnull)).close(); "
    "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])"
)


def _import_printer(env: dict[str, str]) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", IMPORT_PRINTER], cwd=root, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_a_truncated_capabilities_cache_does_not_stop_the_next_start(tmp_path):
    """A power cut while escpos writes its pickle left a truncated file: the kiosk still starts."""
    env = {"ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path)}
    assert _import_printer(env).returncode == 0
    (pickled,) = tmp_path.glob("*.capabilities.pickle")
    pickled.write_bytes(pickled.read_bytes()[:100])  # as if cut off while writing
    started = _import_printer(env)
    assert started.returncode == 0, started.stderr
    assert pickled.stat().st_size > 100  # written again, whole


def test_without_a_cache_folder_the_users_cache_is_used_and_reused(tmp_path):
    env = {"ESCPOS_CAPABILITIES_PICKLE_DIR": "", "XDG_CACHE_HOME": str(tmp_path)}
    written = None
    for _ in range(2):
        started = _import_printer(env)
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip() == str(tmp_path / "kiosk")
        (pickled,) = (tmp_path / "kiosk").glob("*.capabilities.pickle")
        written = written or pickled.stat().st_mtime_ns
    assert pickled.stat().st_mtime_ns == written  # the second start read it, did not write it again


def test_importing_the_printer_package_loads_no_device_library_and_prepares_nothing():
    """The config and the app name printer types without loading python-escpos or Pillow, or touching a cache."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import os, sys, drivers.printer; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'escpos', 'PIL', 'usb', 'serial', 'segno'})); "
        "print(os.environ.get('ESCPOS_CAPABILITIES_PICKLE_DIR'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    started = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                             timeout=60)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split("\n")[:2] == ["[]", "None"]


@pytest.mark.parametrize(("width", "mode", "cut"), [(576, "1", "partial"), (301, "L", "full"), (384, "RGB", "partial")])
def test_ticket_bytes_are_byte_for_byte_python_escpos(width, mode, cut):
    """Built with Pillow alone, the bytes are what python-escpos's Dummy printer makes of the same ticket."""
    from escpos.printer import Dummy

    image = render_ticket(sample_view(priority=True), 576).crop((0, 0, width, 700)).convert(mode)
    library = Dummy()
    library.hw("INIT")
    for top, bottom in raster_bands(image.height):
        band = image.convert("1").crop((0, top, width, bottom))
        library.image(band, impl="bitImageRaster", fragment_height=MAX_BAND_HEIGHT, center=False)
    library.cut(mode="PART" if cut == "partial" else "FULL")
    assert ticket_bytes(image, 576, cut) == library.output
