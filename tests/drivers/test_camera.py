"""The counter camera: frames decoded back into pictures, the MJPEG stream parsed
back into JPEGs, snapshot files on disk and their purge.

This machine has no camera and picamera2 cannot import here, so the real
backend is checked twice: as it is here (the DeviceError a technician would
read) and against a stand-in picamera2 that plays the library's part.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import types
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops
from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.camera import (
    MJPEG_CONTENT_TYPE,
    CameraConfig,
    load_camera_config,
    mjpeg_chunks,
    open_camera,
    snapshot_name,
)
from drivers.camera.__main__ import main, serve
from drivers.camera.picamera2_backend import PICAMERA2_FIX, RealCamera
from drivers.camera.simulated import FrameDrawer, SimulatedCamera
from drivers.stream import clock_code

ROOT = Path(__file__).resolve().parents[2]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 24, 8, 15, 2, tzinfo=HCM)
SIZE = (320, 240)


# ---------------------------------------------------------------------------
# helpers


class FakeClock:
    """The local time shown on simulated frames, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def config(tmp_path: Path, **changes: object) -> CameraConfig:
    values: dict = {
        "enabled": True,
        "backend": "simulated",
        "resolution": SIZE,
        "frame_rate": 20,
        "snapshot_dir": str(tmp_path / "snapshots"),
    }
    values.update(changes)
    return CameraConfig(**values)


@pytest.fixture
def camera(tmp_path: Path):
    cam = open_camera(config(tmp_path), [3], clock=FakeClock(NOW))
    assert isinstance(cam, SimulatedCamera)
    yield cam
    cam.close()


def decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    image.load()
    return image.convert("RGB")


def differs(a: Image.Image, b: Image.Image, threshold: int = 40) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels that differ clearly (JPEG noise aside), or None."""
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > threshold else 0)
    return diff.getbbox()


def parse_multipart(body: bytes, boundary: str) -> list[bytes]:
    """Split a multipart/x-mixed-replace body into its parts' payloads, by Content-Length."""
    parts = []
    pos = 0
    marker = f"--{boundary}\r\n".encode()
    while pos < len(body):
        assert body.startswith(marker, pos), body[pos : pos + 40]
        head_end = body.index(b"\r\n\r\n", pos)
        headers = body[pos + len(marker) : head_end].decode("ascii").split("\r\n")
        fields = dict(line.split(": ", 1) for line in headers)
        assert fields["Content-Type"] == "image/jpeg"
        length = int(fields["Content-Length"])
        start = head_end + 4
        parts.append(body[start : start + length])
        assert body[start + length : start + length + 2] == b"\r\n"
        pos = start + length + 2
    return parts


def take(iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) == n:
            break
    return out


# ---------------------------------------------------------------------------
# simulated frames


def test_simulated_frames_are_jpegs_of_the_configured_size_that_change(camera: SimulatedCamera) -> None:
    frames = take(camera.frames(), 4)
    images = [decode(f) for f in frames]
    assert all(image.size == SIZE for image in images)
    # The clock stands still, yet consecutive frames differ: the moving bar and frame number.
    for a, b in zip(images, images[1:]):
        assert differs(a, b) is not None


def test_simulated_frames_come_at_the_frame_rate(tmp_path: Path) -> None:
    cam = open_camera(config(tmp_path, frame_rate=20), [3])
    try:
        start = cam.frames_drawn
        time.sleep(1.0)
        drawn = cam.frames_drawn - start
    finally:
        cam.close()
    assert 12 <= drawn <= 22, drawn


def test_simulated_frame_shows_the_counter_in_the_middle_and_the_time_at_the_bottom_left() -> None:
    three = FrameDrawer((640, 360), [3], 90, 10)
    four = FrameDrawer((640, 360), [4], 90, 10)
    base = decode(three.jpeg(NOW, 7))
    assert differs(base, decode(three.jpeg(NOW, 7))) is None  # same input, same picture

    other_counter = differs(base, decode(four.jpeg(NOW, 7)))
    assert other_counter is not None
    left, top, right, bottom = other_counter
    assert top > 360 * 0.1 and bottom < 360 * 0.68  # the labels, under the banner, above the clock

    later_frame = decode(three.jpeg(NOW + timedelta(seconds=1), 7))
    # Below the banner, the time is also burned as a row of cells for programs (drivers.stream.clock_code).
    code_row = clock_code.cell_box(0, 640, 360)[1], clock_code.cell_box(0, 640, 360)[3]
    assert clock_code.decode_image(later_frame) == round((NOW + timedelta(seconds=1)).timestamp() * 1000)
    for image in (base, later_frame):
        image.paste((0, 0, 0), (0, code_row[0], 640, code_row[1]))
    later = differs(base, later_frame)
    assert later is not None
    left, top, right, bottom = later
    assert top > 360 * 0.65 and right < 640 / 2  # the clock, bottom left

    # The banner says it is a simulation: amber strip at the top.
    r, g, b = base.getpixel((320, 3))
    assert r > 120 and g < 110 and b < 40


def test_many_counters_still_fit_in_a_small_frame() -> None:
    drawer = FrameDrawer((160, 120), list(range(1, 13)), 80, 10)
    image = decode(drawer.jpeg(NOW, 1))
    assert image.size == (160, 120)
    # The label is shrunk to fit: the outermost columns in its band stay background.
    band = image.crop((0, 30, 160, 60))
    for x in (0, 159):
        column = [band.getpixel((x, y)) for y in range(band.height)]
        assert all(sum(px) < 200 for px in column), column


# ---------------------------------------------------------------------------
# the stream


def test_mjpeg_chunks_parse_back_into_jpegs(camera: SimulatedCamera) -> None:
    boundary = re.fullmatch(r"multipart/x-mixed-replace; boundary=(\S+)", MJPEG_CONTENT_TYPE).group(1)
    chunks = take(mjpeg_chunks(camera), 3)
    assert len(chunks) == 3
    parts = parse_multipart(b"".join(chunks), boundary)
    assert len(parts) == 3
    assert [decode(p).size for p in parts] == [SIZE] * 3
    assert len(set(parts)) == 3  # three different frames


def test_two_readers_at_once_both_get_the_same_live_frames(camera: SimulatedCamera) -> None:
    got: dict[str, list[bytes]] = {}

    def read(name: str, n: int, pause: float) -> None:
        frames = []
        for jpeg in camera.frames():
            frames.append(jpeg)
            time.sleep(pause)
            if len(frames) == n:
                break
        got[name] = frames

    threads = [
        threading.Thread(target=read, args=("fast", 10, 0.0)),
        threading.Thread(target=read, args=("slow", 3, 0.15)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert len(got["fast"]) == 10 and len(got["slow"]) == 3
    assert all(decode(f).size == SIZE for f in got["fast"] + got["slow"])
    # One producer: the readers share frames instead of each making their own.
    assert set(got["fast"]) & set(got["slow"])
    # A reader never gets the same frame twice (it waits for the next one).
    assert len(set(got["fast"])) == 10


def test_close_ends_every_waiting_reader(tmp_path: Path) -> None:
    cam = open_camera(config(tmp_path, frame_rate=1), [3])
    ended = threading.Event()

    def read() -> None:
        for _ in cam.frames():
            pass
        ended.set()

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)
    cam.close()
    assert ended.wait(2)
    reader.join(2)
    with pytest.raises(DeviceError, match="closed"):
        cam.latest_jpeg()
    cam.close()  # twice is fine


def test_a_stalled_camera_is_an_error_not_a_hang(tmp_path: Path) -> None:
    cam = open_camera(config(tmp_path, stall_timeout_s=0.3), [3])
    try:
        frames = cam.frames()
        next(frames)
        cam.freeze()
        time.sleep(0.4)  # the last frame is now older than the stall timeout
        started = time.monotonic()
        with pytest.raises(DeviceError, match="no frame from the camera for 0.3 s"):
            for _ in frames:
                pass
        assert time.monotonic() - started < 2
        with pytest.raises(DeviceError, match="no frame"):
            cam.snapshot(3, "1005", "start", NOW)
        assert not (tmp_path / "snapshots").exists()
        cam.unfreeze()
        assert decode(cam.latest_jpeg()).size == SIZE
    finally:
        cam.close()


def test_the_test_server_streams_to_a_browser(camera: SimulatedCamera) -> None:
    server = serve(camera, 0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stream.mjpg", timeout=5) as response:
            assert response.headers["Content-Type"] == MJPEG_CONTENT_TYPE
            body = b""
            while body.count(b"--frame\r\n") < 3:
                body += response.read1(65536)
        first_two = body[: body.index(b"--frame\r\n", body.index(b"--frame\r\n", 1) + 1)]
        parts = parse_multipart(first_two, "frame")
        assert [decode(p).size for p in parts] == [SIZE, SIZE]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b"/stream.mjpg" in response.read()
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------
# snapshots


def test_snapshot_is_saved_in_a_day_folder_with_time_counter_ticket_and_kind(camera: SimulatedCamera) -> None:
    folder = Path(camera.config.snapshot_dir) / "2026-11-24"
    first = camera.snapshot(3, "1005", "start", NOW)
    assert first == folder / "2026-11-24_08-15-02_quay3_1005_start.jpg"
    assert decode(first.read_bytes()).size == SIZE
    again = camera.snapshot(3, "1005", "start", NOW)
    assert again == folder / "2026-11-24_08-15-02_quay3_1005_start-2.jpg"
    done = camera.snapshot(3, "1005", "complete", NOW + timedelta(minutes=7, seconds=40))
    assert done == folder / "2026-11-24_08-22-42_quay3_1005_complete.jpg"
    next_day = camera.snapshot(12, "B007", "start", datetime(2026, 11, 25, 7, 0, 0))
    assert next_day.parent.name == "2026-11-25"
    assert next_day.name == "2026-11-25_07-00-00_quay12_B007_start.jpg"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-11-24_08-15-02_quay3_1005_start-2.jpg",
        "2026-11-24_08-15-02_quay3_1005_start.jpg",
        "2026-11-24_08-22-42_quay3_1005_complete.jpg",
    ]


def test_snapshots_from_many_threads_never_overwrite_each_other(camera: SimulatedCamera) -> None:
    paths: list[Path] = []
    lock = threading.Lock()

    def shoot() -> None:
        path = camera.snapshot(3, "1005", "complete", NOW)
        with lock:
            paths.append(path)

    threads = [threading.Thread(target=shoot) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(set(paths)) == 8
    assert all(decode(p.read_bytes()).size == SIZE for p in paths)


@pytest.mark.parametrize(
    ("ticket", "slug"),
    [("1005", "1005"), ("B-001", "B-001"), ("A 12", "A-12"), ("Đ12", "D12"), ("../../etc/x", "etc-x"), ("Ưu tiên 5", "Uu-tien-5")],
)
def test_ticket_is_made_safe_for_a_file_name(ticket: str, slug: str) -> None:
    assert snapshot_name(2, ticket, "start", NOW) == f"2026-11-24_08-15-02_quay2_{slug}_start.jpg"


@pytest.mark.parametrize(
    ("counter", "ticket", "kind", "message"),
    [(3, "1005", "middle", "kind"), (0, "1005", "start", "counter"), (3, "--", "start", "ticket")],
)
def test_bad_snapshot_arguments_are_refused(
    camera: SimulatedCamera, counter: int, ticket: str, kind: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        camera.snapshot(counter, ticket, kind, NOW)  # type: ignore[arg-type]


def test_snapshot_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    cam = open_camera(config(tmp_path, snapshot_dir=str(blocker)), [3])
    try:
        with pytest.raises(DeviceError, match=r"camera: cannot save a snapshot in .*not-a-folder.*disk is not full"):
            cam.snapshot(3, "1005", "start", NOW)
    finally:
        cam.close()


# ---------------------------------------------------------------------------
# purge


def age(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()), follow_symlinks=False)


def test_purge_deletes_only_old_snapshots_and_only_inside_the_folder(tmp_path: Path, camera: SimulatedCamera) -> None:
    root = Path(camera.config.snapshot_dir)
    now = datetime(2026, 12, 31, 12, 0, 0, tzinfo=HCM)
    old = now - timedelta(days=31)
    young = now - timedelta(days=29)

    old_shots = [camera.snapshot(1, f"10{i:02d}", "start", old) for i in range(3)]
    young_shot = camera.snapshot(1, "2001", "complete", young)
    for path in old_shots:
        age(path, old)
    age(young_shot, young)
    # A snapshot whose day folder name says "old" but whose file is new stays (age = file time).
    renamed_day = camera.snapshot(2, "3001", "start", old)
    age(renamed_day, young)

    # Unexpected things, all old, that must survive.
    day = root / f"{old:%Y-%m-%d}"
    notes = day / "ghi-chu.txt"
    notes.write_text("technician's notes")
    loose = root / "2026-11-01_08-00-00_quay1_1001_start.jpg"  # a snapshot name, but not in a day folder
    loose.write_bytes(b"x")
    odd_folder = root / "backup"
    odd_folder.mkdir()
    odd_in_folder = odd_folder / "2026-11-01_08-00-00_quay1_1001_start.jpg"
    odd_in_folder.write_bytes(b"x")
    nested = day / "2026-11-01_08-00-00_quay1_1009_start.jpg.d"
    nested.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "2026-11-01_08-00-00_quay1_1001_start.jpg"
    victim.write_bytes(b"precious")
    (root / "2026-11-01").symlink_to(outside, target_is_directory=True)  # a day folder that is a link
    link = day / "2026-11-01_08-00-01_quay1_1002_start.jpg"
    link.symlink_to(victim)  # a snapshot name that is a link to a file outside
    for path in (notes, loose, odd_in_folder, victim, nested, link):
        age(path, old)

    assert camera.purge(now) == 3
    assert not any(p.exists() for p in old_shots)
    for kept in (young_shot, renamed_day, notes, loose, odd_in_folder, victim, nested):
        assert kept.exists(), kept
    assert link.is_symlink()
    assert victim.read_bytes() == b"precious"
    assert camera.purge(now) == 0  # nothing left to delete


def test_purge_removes_day_folders_it_empties(camera: SimulatedCamera) -> None:
    now = datetime(2026, 12, 31, 12, 0, 0)
    old = now - timedelta(days=40)
    shot = camera.snapshot(1, "1001", "start", old)
    age(shot, old)
    assert camera.purge(now) == 1
    assert not shot.parent.exists()
    assert Path(camera.config.snapshot_dir).is_dir()


def test_purge_deletes_what_a_power_cut_left_of_an_old_snapshot(camera: SimulatedCamera) -> None:
    now = datetime(2026, 12, 31, 12, 0, 0)
    old, young = now - timedelta(days=40), now - timedelta(days=1)
    shot = camera.snapshot(1, "1001", "start", old)
    age(shot, old)
    # What write_atomic leaves behind when the power goes before the rename.
    leftover = shot.parent / f".{shot.name}.k3j_x9.tmp"
    leftover.write_bytes(b"half a picture")
    age(leftover, old)
    day = Path(camera.config.snapshot_dir) / f"{young:%Y-%m-%d}"
    fresh = day / ".2026-12-30_12-00-00_quay1_1002_start.jpg.ab12.tmp"
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(b"being written")
    age(fresh, young)
    assert camera.purge(now) == 1  # the snapshot; the leftover is deleted but not counted
    assert not leftover.exists() and not shot.parent.exists()
    assert fresh.exists()


def test_snapshots_leave_no_temporary_files(camera: SimulatedCamera) -> None:
    shot = camera.snapshot(1, "1001", "start", NOW)
    assert [p.name for p in shot.parent.iterdir()] == [shot.name]


def test_purge_follows_the_retention_days(tmp_path: Path) -> None:
    cam = open_camera(config(tmp_path, retention_days=7), [3])
    try:
        now = datetime(2026, 12, 31, 12, 0, 0)
        eight = cam.snapshot(1, "1001", "start", now - timedelta(days=8))
        six = cam.snapshot(1, "1002", "start", now - timedelta(days=6))
        age(eight, now - timedelta(days=8))
        age(six, now - timedelta(days=6))
        assert cam.purge(now) == 1
        assert six.exists() and not eight.exists()
    finally:
        cam.close()


def test_purge_of_a_missing_folder_deletes_nothing(tmp_path: Path) -> None:
    cam = open_camera(config(tmp_path, snapshot_dir=str(tmp_path / "never-made")), [3])
    try:
        assert cam.purge(NOW) == 0
    finally:
        cam.close()


# ---------------------------------------------------------------------------
# the real backend


def test_real_camera_here_says_how_to_install_picamera2(tmp_path: Path) -> None:
    with pytest.raises(DeviceError) as caught:
        open_camera(config(tmp_path, backend="real"), [3])
    message = str(caught.value)
    assert message.startswith("camera: picamera2 is not available")
    assert message.endswith(
        "(install python3-picamera2 from Raspberry Pi OS and create the venv with --system-site-packages)"
    )
    assert caught.value.fix == PICAMERA2_FIX


def test_importing_the_module_does_not_import_picamera2() -> None:
    code = "import sys, drivers.camera; print('picamera2' in sys.modules, 'libcamera' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


class FakePicamera2Library:
    """Stands in for picamera2: records what the camera is asked, 'encodes' JPEGs on a thread."""

    def __init__(self, cameras: list[dict]) -> None:
        self.calls: list[tuple] = []
        self.cameras = cameras
        library = self
        frame = io.BytesIO()
        Image.new("RGB", (64, 48), (10, 200, 30)).save(frame, format="JPEG")
        self.jpeg = frame.getvalue()

        class Picamera2:
            @staticmethod
            def global_camera_info() -> list[dict]:
                return library.cameras

            def __init__(self, camera_num: int = 0) -> None:
                library.calls.append(("open", camera_num))
                self._stop = threading.Event()

            def create_video_configuration(self, main: dict, controls: dict) -> dict:
                library.calls.append(("video", main, controls))
                return {"main": main, "controls": controls}

            def configure(self, video: dict) -> None:
                library.calls.append(("configure", video))

            def start_recording(self, encoder, output) -> None:
                library.calls.append(("record", type(encoder).__name__, encoder.q))

                def encode() -> None:
                    n = 0
                    while not self._stop.wait(0.02):
                        n += 1
                        # picamera2's encoder hands a memoryview of each encoded frame.
                        output.file.write(memoryview(library.jpeg + n.to_bytes(4, "big")))
                        output.file.flush()

                threading.Thread(target=encode, daemon=True).start()

            def stop_recording(self) -> None:
                library.calls.append(("stop",))
                self._stop.set()

            def close(self) -> None:
                library.calls.append(("close",))

        class JpegEncoder:
            def __init__(self, q: int | None = None) -> None:
                self.q = q

        class FileOutput:
            def __init__(self, file) -> None:
                assert isinstance(file, io.BufferedIOBase)  # what the real FileOutput demands
                self.file = file

        self.modules = {
            "picamera2": types.ModuleType("picamera2"),
            "picamera2.encoders": types.ModuleType("picamera2.encoders"),
            "picamera2.outputs": types.ModuleType("picamera2.outputs"),
        }
        self.modules["picamera2"].Picamera2 = Picamera2
        self.modules["picamera2.encoders"].JpegEncoder = JpegEncoder
        self.modules["picamera2.outputs"].FileOutput = FileOutput


def install(monkeypatch: pytest.MonkeyPatch, library: FakePicamera2Library) -> None:
    for name, module in library.modules.items():
        monkeypatch.setitem(sys.modules, name, module)


def test_real_camera_records_jpegs_into_the_shared_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = FakePicamera2Library([{"Model": "imx708", "Id": "/base/soc/i2c0mux/i2c@1/imx708@1a", "Num": 0}])
    install(monkeypatch, library)
    cam = open_camera(config(tmp_path, backend="real", resolution=(1280, 720), frame_rate=10, jpeg_quality=70), [3])
    assert isinstance(cam, RealCamera)
    try:
        frames = take(cam.frames(), 3)
        assert len(set(frames)) == 3
        assert all(f.startswith(library.jpeg) for f in frames)
        shot = cam.snapshot(3, "1005", "start", NOW)
        assert shot.read_bytes().startswith(library.jpeg)
        assert shot.name == "2026-11-24_08-15-02_quay3_1005_start.jpg"
    finally:
        cam.close()
    assert library.calls[:4] == [
        ("open", 0),
        ("video", {"size": (1280, 720)}, {"FrameDurationLimits": (100_000, 100_000)}),
        ("configure", {"main": {"size": (1280, 720)}, "controls": {"FrameDurationLimits": (100_000, 100_000)}}),
        ("record", "JpegEncoder", 70),
    ]
    assert library.calls[-2:] == [("stop",), ("close",)]


def test_real_camera_without_a_camera_says_check_the_ribbon_cable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = FakePicamera2Library([])
    install(monkeypatch, library)
    with pytest.raises(DeviceError, match=r"^camera: no camera detected \(check the ribbon cable"):
        open_camera(config(tmp_path, backend="real"), [3])
    assert library.calls == []


def test_real_camera_index_beyond_the_cameras_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, FakePicamera2Library([{"Model": "imx219", "Id": "x", "Num": 0}]))
    with pytest.raises(DeviceError, match=r"camera_index = 1 but only 1 camera\(s\) detected.*between 0 and 0"):
        open_camera(config(tmp_path, backend="real", camera_index=1), [3])


# ---------------------------------------------------------------------------
# configuration


def test_disabled_by_default_and_then_there_is_no_camera(tmp_path: Path) -> None:
    assert CameraConfig().enabled is False
    assert open_camera(CameraConfig(), [1]) is None
    assert open_camera(config(tmp_path, enabled=False), [1]) is None


def test_defaults() -> None:
    c = CameraConfig()
    assert (c.backend, c.resolution, c.frame_rate, c.jpeg_quality, c.retention_days) == (
        "real",
        (1280, 720),
        10.0,
        80,
        30,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retention_days": -1}, "retention_days"),
        ({"retention_days": 0}, "retention_days"),
        ({"resolution": [1281, 720]}, "must be even"),
        ({"resolution": [100, 80]}, "out of range"),
        ({"resolution": "1280x720"}, r"\[width, height\]"),
        ({"resolution": [1280]}, "resolution"),
        ({"frame_rate": 0}, "frame_rate"),
        ({"frame_rate": 60}, "frame_rate"),
        ({"jpeg_quality": 100}, "jpeg_quality"),
        ({"backend": "usb"}, "backend"),
        ({"snapshot_dir": ""}, "folder for snapshots"),
        ({"snapshot_dir": "/"}, "cannot be /"),
        ({"retention": 30}, "Extra inputs are not permitted"),
    ],
)
def test_bad_configuration_is_refused_with_the_reason(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CameraConfig(**changes)


def test_config_from_the_camera_section_of_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_text(
        '[camera]\nenabled = true\nbackend = "simulated"\nresolution = [640, 480]\n'
        'frame_rate = 8\nsnapshot_dir = "/srv/snap"\nretention_days = 90\njpeg_quality = 70\n',
        encoding="utf-8",
    )
    c = load_camera_config(path)
    assert (c.enabled, c.backend, c.resolution, c.frame_rate, c.snapshot_dir, c.retention_days, c.jpeg_quality) == (
        True,
        "simulated",
        (640, 480),
        8.0,
        "/srv/snap",
        90,
        70,
    )
    path.write_text("[camera]\nretention_days = -5\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="retention_days"):
        load_camera_config(path)


# ---------------------------------------------------------------------------
# command line


def test_command_line_saves_a_test_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--simulated", "--snapshot-dir", str(tmp_path), "--counter", "4"]) == 0
    saved = list(tmp_path.glob("*/*_quay4_TEST_start.jpg"))
    assert len(saved) == 1
    assert decode(saved[0].read_bytes()).size == (1280, 720)
    assert str(saved[0]) in capsys.readouterr().out


def test_command_line_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[camera]\nframe_rate = 0\n", encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "camera: bad configuration" in capsys.readouterr().err
    assert main(["--snapshot-dir", str(tmp_path)]) == 1  # the real camera, not available here
    assert "python3-picamera2" in capsys.readouterr().err
