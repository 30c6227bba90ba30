"""The simulated kiosk's stream pushed to a real central: nginx with the RTMP module, its hooks, HLS out.

What a viewer gets is checked on what nginx serves (ffprobe of the HLS fragments,
the clock burned into the frames); network cuts go through a loopback proxy;
a revoked device and a killed ffmpeg are acted out for real.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.camera import CameraConfig
from drivers.camera.simulated import SimulatedCamera
from drivers.stream import StreamConfig, clock_code
from drivers.stream.keys import CentralKeys, PublishUrls
from drivers.stream.publisher import Publisher
from drivers.stream.settings import EncoderSettings, ffmpeg_path
from drivers.stream.sources import SimulatedMicrophone
from tests.central.media_server import MediaRig
from tests.drivers.stream_faults import CuttableProxy

CAMERA = CameraConfig(enabled=True, backend="simulated", resolution=(1280, 720), frame_rate=10,
                      snapshot_dir="/nonexistent-not-used")


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> float:
    """Seconds until ``condition()`` is true; AssertionError naming ``what`` after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout:g} s")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[MediaRig]:
    with MediaRig(tmp_path, update_seconds=3) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        yield rig


@pytest.fixture
def camera(tmp_path: Path) -> Iterator[SimulatedCamera]:
    cam = SimulatedCamera(CAMERA.model_copy(update={"snapshot_dir": str(tmp_path / "snaps")}), [3])
    yield cam
    cam.close()


def make_publisher(camera: SimulatedCamera, keys: Callable[[], PublishUrls],
                   microphone: SimulatedMicrophone | None = None, **stream: Any) -> Publisher:
    config = StreamConfig(enabled=True, **stream)
    return Publisher(config, EncoderSettings.of(config, CAMERA), camera, microphone or SimulatedMicrophone(),
                     keys, ffmpeg_path(), "software")


def device_keys(rig: MediaRig, device: dict[str, Any], base_url: str | None = None) -> CentralKeys:
    return CentralKeys(base_url or rig.web_url, lambda: device["token"])


def fragments(playlist: str) -> list[tuple[float, str]]:
    """(duration, name) of each fragment of an HLS playlist."""
    return [(float(d), n) for d, n in re.findall(r"#EXTINF:([\d.]+),?\s*\n([^\s#]+)", playlist)]


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format", "-of", "json",
                          str(path)],
                         capture_output=True, timeout=30, check=True)
    return json.loads(out.stdout)


def kbps(rig: MediaRig, app: str, device_id: str, cookie: str, tmp: Path) -> float:
    """The bitrate of a stream as viewers download it: fragment bytes over fragment durations."""
    text = rig.get(f"/media/{app}/{device_id}/index.m3u8", cookie).text
    total_bytes = total_s = 0.0
    for duration, name in fragments(text)[-3:]:
        body = rig.get(f"/media/{app}/{device_id}/{name}", cookie)
        assert body.status_code == 200
        total_bytes += len(body.content)
        total_s += duration
    return total_bytes * 8 / 1000 / total_s


def last_fragment(rig: MediaRig, app: str, device_id: str, cookie: str, tmp: Path) -> Path:
    text = rig.get(f"/media/{app}/{device_id}/index.m3u8", cookie).text
    name = fragments(text)[-1][1]
    path = tmp / f"{app}-{name}"
    path.write_bytes(rig.get(f"/media/{app}/{device_id}/{name}", cookie).content)
    return path


def test_the_simulated_kiosk_publishes_720p_with_sound_and_a_thumbnail(rig, camera, tmp_path) -> None:
    director = rig.user("giamdoc", "director")
    device = rig.enroll("ld")
    device_id = device["device_id"]
    with make_publisher(camera, device_keys(rig, device)) as publisher:
        publisher.start()
        rig.wait_playlist("live", device_id, director, timeout_s=20)
        rig.wait_playlist("thumb", device_id, director, timeout_s=20)
        wait_for(lambda: publisher.status()["publishing"], 5, "publishing")
        assert publisher.status() == {"camera": "ok", "microphone": "ok", "publishing": True}
        time.sleep(4)  # a few full fragments

        main = probe(last_fragment(rig, "live", device_id, director, tmp_path))
        video = next(s for s in main["streams"] if s["codec_type"] == "video")
        audio = next(s for s in main["streams"] if s["codec_type"] == "audio")
        assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1280, 720)
        assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == (
            "aac", "LC", "48000", 1)
        thumb = probe(last_fragment(rig, "thumb", device_id, director, tmp_path))
        # No sound: nginx's MPEG-TS always declares an audio track, but the thumbnail's carries nothing.
        assert [s["codec_type"] for s in thumb["streams"] if int(s.get("nb_read_packets", 0))] == ["video"]
        small = thumb["streams"][0]
        assert (small["codec_name"], small["width"], small["height"]) == ("h264", 320, 180)
        assert small["r_frame_rate"] in ("5/1", "10/1") or small["avg_frame_rate"] == "5/1", small

        # Bitrates as downloaded (MPEG-TS overhead included): the main under ~1 Mbit/s, the thumbnail ~150.
        main_rate = kbps(rig, "live", device_id, director, tmp_path)
        thumb_rate = kbps(rig, "thumb", device_id, director, tmp_path)
        assert 50 < main_rate <= 1000, main_rate
        assert 5 < thumb_rate <= 150, thumb_rate

        # The clock burned into the picture survives the encode: a viewer's frame tells when it was drawn.
        fragment = last_fragment(rig, "live", device_id, director, tmp_path)
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(fragment), "-frames:v", "1", "-f", "rawvideo",
                              "-pix_fmt", "rgb24", "-"], capture_output=True, timeout=30, check=True).stdout
        drawn_ms = clock_code.decode_rgb(raw, 1280, 720)
        assert drawn_ms is not None
        age_s = time.time() - drawn_ms / 1000
        assert 0 < age_s < 15, age_s  # drawn moments ago, not a stale or made-up frame
        print(f"main {main_rate:.0f} kbit/s, thumbnail {thumb_rate:.0f} kbit/s, newest fragment drawn {age_s:.1f} s ago")
        thumb_raw = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(last_fragment(rig, "thumb", device_id, director, tmp_path)),
             "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            capture_output=True, timeout=30, check=True).stdout
        assert clock_code.decode_rgb(thumb_raw, 320, 180) is not None
    assert not publisher.push.alive  # stopped with the publisher
    assert "key=" not in rig.logs().replace("key=***", "")  # nginx logged no key


def test_the_stream_is_back_within_10_s_of_the_network_returning(rig, camera) -> None:
    director = rig.user("giamdoc", "director")
    device = rig.enroll("ld")
    web = CuttableProxy(rig.media.web_port)
    rtmp = CuttableProxy(rig.media.rtmp_port)
    central_keys = device_keys(rig, device, web.url)

    def keys() -> PublishUrls:  # the office reaches central's RTMP port through its (cuttable) network too
        urls = central_keys()
        swap = f":{rig.media.rtmp_port}/", f":{rtmp.port}/"
        return PublishUrls(urls.main.replace(*swap), urls.thumb.replace(*swap), urls.expires_s)

    try:
        with make_publisher(camera, keys) as publisher:
            publisher.start()
            wait_for(lambda: publisher.publishing, 15, "first publish")
            rig.wait_playlist("live", device["device_id"], director)
            for outage_s in (4, 12):  # a short cut, and one long enough for the waits to reach their cap
                web.cut()
                rtmp.cut()
                wait_for(lambda: not publisher.publishing, 5, "the kiosk sees the cut")
                time.sleep(outage_s)
                assert not publisher.publishing
                attempts = publisher.attempts
                web.restore()
                rtmp.restore()
                back = wait_for(lambda: publisher.publishing, 10, f"publishing again after a {outage_s} s cut")
                assert publisher.attempts > attempts
                print(f"back {back:.1f} s after a {outage_s} s outage")
            # And central serves it again: its playlist gets new fragments.
            before = rig.get(f"/media/live/{device['device_id']}/index.m3u8", director).text
            wait_for(lambda: rig.get(f"/media/live/{device['device_id']}/index.m3u8", director).text != before,
                     6, "new fragments on central")
    finally:
        web.close()
        rtmp.close()


def test_a_refused_key_is_retried_calmly_and_never_logged(rig, camera, caplog) -> None:
    device = rig.enroll("ld")
    rig.revoke(device["device_id"])
    with make_publisher(camera, device_keys(rig, device)) as publisher:
        publisher.start()
        time.sleep(7)
        status = publisher.status()
        attempts = publisher.attempts
    assert status["publishing"] is False
    # 0.5, 1, 2, 4 s waits (with jitter): a handful of attempts, not a tight loop.
    assert 2 <= attempts <= 7, attempts
    assert "401" in (publisher.last_error or "")
    assert device["token"] not in caplog.text and "key=" not in caplog.text


def test_a_device_revoked_while_publishing_is_cut_and_stays_off(rig, camera) -> None:
    device = rig.enroll("ld")
    with make_publisher(camera, device_keys(rig, device)) as publisher:
        publisher.start()
        wait_for(lambda: publisher.publishing, 15, "first publish")
        rig.revoke(device["device_id"])
        wait_for(lambda: not publisher.publishing, 3 + 8, "cut by central's on_update")
        time.sleep(3)
        assert not publisher.publishing and "401" in (publisher.last_error or "")


def test_a_killed_ffmpeg_is_restarted(rig, camera) -> None:
    director = rig.user("giamdoc", "director")
    device = rig.enroll("ld")
    with make_publisher(camera, device_keys(rig, device)) as publisher:
        publisher.start()
        wait_for(lambda: publisher.publishing, 15, "first publish")
        first = publisher.push
        assert first is not None and first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        wait_for(lambda: publisher.push is not first and publisher.publishing, 10, "a new ffmpeg publishing")
        assert publisher.push.pid != first.pid
        rig.wait_playlist("live", device["device_id"], director)


def test_an_unplugged_microphone_leaves_the_picture_going_with_silence(rig, camera) -> None:
    device = rig.enroll("ld")
    microphone = SimulatedMicrophone()
    with make_publisher(camera, device_keys(rig, device), microphone) as publisher:
        publisher.start()
        wait_for(lambda: publisher.publishing, 15, "first publish")
        microphone.unplug()
        wait_for(lambda: publisher.status()["microphone"] == "lost", 5, "microphone reported lost")
        wait_for(lambda: publisher.publishing, 10, "publishing again, with silence")
        microphone.plug()
        wait_for(lambda: publisher.status() == {"camera": "ok", "microphone": "ok", "publishing": True}, 12,
                 "the microphone back in the stream")


def test_a_network_that_swallows_packets_is_noticed_and_the_push_restarted(rig, camera) -> None:
    device = rig.enroll("ld")
    rtmp = CuttableProxy(rig.media.rtmp_port)
    central_keys = device_keys(rig, device)

    def keys() -> PublishUrls:
        urls = central_keys()
        swap = f":{rig.media.rtmp_port}/", f":{rtmp.port}/"
        return PublishUrls(urls.main.replace(*swap), urls.thumb.replace(*swap), urls.expires_s)

    try:
        with make_publisher(camera, keys, stall_s=3) as publisher:
            publisher.start()
            wait_for(lambda: publisher.publishing, 15, "first publish")
            first = publisher.push
            rtmp.hold()  # no error, no reset: ffmpeg would wait on TCP for minutes
            seen = wait_for(lambda: not publisher.publishing, 12, "the kiosk sees the stream stop moving")
            print(f"a held path noticed after {seen:.1f} s")
            wait_for(lambda: publisher.push is not first, 3 + 4, "the stalled push ended and a new one started")
            assert "stopped moving" in (publisher.last_error or "")
            rtmp.release()
            wait_for(lambda: publisher.publishing, 10, "publishing again")
    finally:
        rtmp.close()


def test_a_key_nginx_refuses_is_retried_calmly(rig, camera) -> None:
    device = rig.enroll("ld")
    central_keys = device_keys(rig, device)

    def forged() -> PublishUrls:  # a key central did not sign: nginx's on_publish hook refuses it
        urls = central_keys()
        return PublishUrls(*(re.sub(r"key=[^&]+", "key=1999999999.forged", u) for u in (urls.main, urls.thumb)),
                           urls.expires_s)

    with make_publisher(camera, forged) as publisher:
        publisher.start()
        time.sleep(7)
        attempts, status = publisher.attempts, publisher.status()
    assert status["publishing"] is False
    assert 2 <= attempts <= 7, attempts
    assert "forged" not in (publisher.last_error or "") and "key=***" in (publisher.last_error or ""), \
        publisher.last_error
