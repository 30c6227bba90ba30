"""The stream's parts that need no media server: the clock code, the config, the microphone lookup, keys kept secret."""

from __future__ import annotations

import base64
import io
import time
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from drivers.base import DeviceError, shipped_dir
from drivers.camera import CameraConfig
from drivers.stream import StreamConfig, clock_code
from drivers.stream.checks import check_microphone
from drivers.stream.push import push_command, redact
from drivers.stream.settings import EncoderSettings, choose_encoder
from drivers.stream.sources import AlsaMicrophone, Silence, SimulatedMicrophone, alsa_capture_present
from kiosk.config import ConfigError, parse_config


def test_clock_code_round_trip_through_pillow_and_jpeg() -> None:
    for ms in (0, 1, 1_796_020_844_114, (1 << clock_code.DATA_BITS) - 1, int(time.time() * 1000)):
        image = Image.new("RGB", (1280, 720), (28, 36, 48))
        clock_code.burn(image, ms)
        assert clock_code.decode_image(image) == ms
        # JPEG at a low quality, and scaled down to the thumbnail's size: still read.
        out = io.BytesIO()
        image.resize((320, 180)).save(out, format="JPEG", quality=40)
        assert clock_code.decode_image(Image.open(io.BytesIO(out.getvalue()))) == ms


def test_a_frame_without_a_clock_or_with_a_damaged_one_reads_as_none() -> None:
    assert clock_code.decode_image(Image.new("RGB", (640, 360), (0, 0, 0))) is None
    assert clock_code.decode_image(Image.new("RGB", (640, 360), (255, 255, 255))) is None
    image = Image.new("RGB", (640, 360))
    clock_code.burn(image, 1_796_020_844_114)
    left, top, right, bottom = clock_code.cell_box(20, 640, 360)
    flipped = (0, 0, 0) if image.getpixel((left + 2, top + 2)) == (255, 255, 255) else (255, 255, 255)
    image.paste(flipped, (left, top, right, bottom))  # one bit flipped
    assert clock_code.decode_image(image) is None
    with pytest.raises(ValueError):
        clock_code.encode(1 << clock_code.DATA_BITS)


def test_the_browser_decoder_reads_what_python_burned() -> None:
    from playwright.sync_api import sync_playwright

    ms = 1_796_020_844_114
    image = Image.new("RGB", (1280, 720), (28, 36, 48))
    clock_code.burn(image, ms)
    png = io.BytesIO()
    image.resize((640, 360)).save(png, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.set_content("<canvas id=c width=640 height=360></canvas>")
            page.add_script_tag(content=clock_code.JS_DECODER)
            got = page.evaluate(
                """async (url) => {
                    const img = new Image(); img.src = url; await img.decode();
                    const ctx = document.getElementById('c').getContext('2d');
                    ctx.drawImage(img, 0, 0);
                    const good = decodeClockCode(ctx.getImageData(0, 0, 640, 360));
                    ctx.fillStyle = 'black'; ctx.fillRect(0, 0, 640, 360);
                    return [good, decodeClockCode(ctx.getImageData(0, 0, 640, 360))];
                }""",
                url,
            )
        finally:
            browser.close()
    assert got == [ms, None]


def _config(**stream: object) -> dict:
    """The demo office's config with a simulated camera streamed to central."""
    with open(shipped_dir("config") / "demo.toml", "rb") as handle:
        data = tomllib.load(handle)
    data["camera"] = {"enabled": True, "backend": "simulated"}
    data["sync"] = {"server_url": "https://central.example.gov.vn"}
    data["stream"] = {"enabled": True, **stream}
    return data


def _problems(data: dict) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return {p.path: p.message for p in caught.value.problems}


def test_stream_config_defaults_are_the_contracts() -> None:
    config = parse_config(_config())
    assert config.stream is not None and config.stream.enabled
    settings = EncoderSettings.of(config.stream, config.camera)
    assert (settings.width, settings.height, settings.thumb_size) == (1280, 720, (320, 180))
    assert (settings.main_kbps, settings.audio_kbps, settings.thumb_kbps, settings.thumb_frame_rate) == (850, 64, 120, 5)
    # Main: a keyframe every half second (central's 500 ms fragments); the thumbnail: every second.
    assert settings.gop(settings.frame_rate) == 5
    assert "-g" in (args := settings.thumb_args()) and args[args.index("-g") + 1] == "5"
    assert StreamConfig().enabled is False  # off unless asked for


def test_stream_config_errors_name_the_key() -> None:
    assert "stream.microphone" in _problems(_config(microphone="USB mic; rm -rf"))
    assert "arecord -l" in _problems(_config(microphone="USB mic"))["stream.microphone"]
    assert "stream.main_bitrate_kbps" in _problems(_config(main_bitrate_kbps=50))
    assert "did you mean 'microphone'" in _problems(_config(micropone="default"))["stream.micropone"]
    no_camera = _config()
    no_camera["camera"] = {"enabled": False}
    assert "[camera] enabled = true" in _problems(no_camera)["stream.enabled"]
    no_central = _config()
    del no_central["sync"]
    assert "server_url" in _problems(no_central)["stream.enabled"]


def test_alsa_capture_devices_are_looked_up_in_proc_asound(tmp_path: Path) -> None:
    (tmp_path / "card1").mkdir()
    (tmp_path / "card1" / "pcm0c").mkdir()
    (tmp_path / "card0").mkdir()
    (tmp_path / "card0" / "pcm0p").mkdir()  # the Pi's headphone jack: playback only
    (tmp_path / "Device").symlink_to(tmp_path / "card1")
    (tmp_path / "pcm").write_text("00-00: bcm2835 Headphones : bcm2835 Headphones : playback 8\n"
                                  "01-00: USB Audio : USB Audio : capture 1\n")
    assert alsa_capture_present("plughw:1,0", tmp_path)
    assert alsa_capture_present("hw:CARD=Device,DEV=0", tmp_path)
    assert alsa_capture_present("default", tmp_path)
    assert not alsa_capture_present("plughw:0,0", tmp_path)  # no capture on card 0
    assert not alsa_capture_present("plughw:2,0", tmp_path)
    (tmp_path / "pcm").write_text("00-00: bcm2835 Headphones : bcm2835 Headphones : playback 8\n")
    assert not alsa_capture_present("default", tmp_path)


def test_a_missing_microphone_names_the_fix() -> None:
    # This machine, like a Pi without its USB microphone, has no card 7.
    with pytest.raises(DeviceError) as caught:
        check_microphone(StreamConfig(microphone="plughw:7,0"), "real")
    assert caught.value.device == "microphone" and "arecord -l" in str(caught.value)


def test_the_simulated_microphone_is_clearly_audible() -> None:
    line = check_microphone(StreamConfig(), "simulated")
    level = float(line.rsplit("level ", 1)[1].split(" dB")[0])
    assert -30 < level < -10, line  # a steady tone, not silence, not clipping
    assert check_microphone(StreamConfig(microphone=""), "simulated").startswith("none configured")


def test_encoder_choice() -> None:
    assert choose_encoder(StreamConfig(encoder="hardware"), "simulated", hardware=False) == "software"
    assert choose_encoder(StreamConfig(), "real", hardware=True) == "hardware"
    assert choose_encoder(StreamConfig(), "real", hardware=False) == "software"  # a Pi 5
    with pytest.raises(DeviceError) as caught:
        choose_encoder(StreamConfig(encoder="hardware"), "real", hardware=False)
    assert "encoder = \"auto\"" in str(caught.value)


def test_keys_never_leave_in_text() -> None:
    line = "[flv @ 0x55] rtmp://central:1935/live/dev-1?key=1764500000.abcDEF_123: Connection refused"
    assert redact(line) == "[flv @ 0x55] rtmp://central:1935/live/dev-1?key=***: Connection refused"
    settings = EncoderSettings.of(StreamConfig(), CameraConfig(enabled=True))
    command = push_command("ffmpeg", settings, "software", SimulatedMicrophone(),
                           "rtmp://h/live/d?key=SECRET1", "rtmp://h/thumb/d?key=SECRET2")
    assert "SECRET1" not in redact(" ".join(command)) and "SECRET2" not in redact(" ".join(command))
    # The same encoder settings whatever the sound: only the sound input differs.
    silent = push_command("ffmpeg", settings, "software", Silence(), "rtmp://a", "rtmp://b")
    mic = push_command("ffmpeg", settings, "software", AlsaMicrophone("plughw:1,0"), "rtmp://a", "rtmp://b")
    tail = silent[silent.index("-filter_complex"):]
    assert tail == mic[mic.index("-filter_complex"):]
