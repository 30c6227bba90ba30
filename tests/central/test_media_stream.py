"""Publishing through the real media server: nginx with the RTMP module, central's hooks, ffmpeg as the kiosk.

A device's own stream with its own key plays for the director; a wrong, expired or foreign key,
another device's stream name and a revoked device are refused by nginx (no playlist ever appears);
revoking a live publisher cuts it within the update interval; the hooks answer only nginx; no key
or hook secret reaches nginx's logs.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from central.media import keys
from central.models import MediaStream
from tests.central.media_server import MediaRig, push


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaRig]:
    with MediaRig(tmp_path_factory.mktemp("media"), update_seconds=3) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        yield rig


@pytest.fixture(scope="module")
def director(rig: MediaRig) -> str:
    """The province director's session cookie."""
    return rig.user("giamdoc", "director")


def streams(rig: MediaRig, device_id: str) -> dict[str, bool]:
    with rig.engine.connect() as conn:
        rows = conn.execute(select(MediaStream.app, MediaStream.publishing).where(MediaStream.device_id == device_id))
        return {r.app: bool(r.publishing) for r in rows}


def ffprobe(url: str, cookie: str) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-headers", f"Cookie: kc_session={cookie}\r\n", "-show_streams",
         "-of", "json", url], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def assert_no_secret_in_logs(rig: MediaRig, *urls: str) -> None:
    text = rig.logs()
    assert text, "nginx wrote no log at all"
    hook = keys.load_secrets(rig.media.secret_file).hook
    assert hook not in text
    assert "key=" not in text
    for url in urls:
        signature = url.partition("key=")[2].partition(".")[2]
        assert not signature or signature not in text


def test_a_device_publishes_its_own_streams_and_the_director_plays_them(rig: MediaRig, director: str, tmp_path: Path) -> None:
    dev = rig.enroll("ld")
    urls = rig.publish_urls(dev)
    assert urls["expires_s"] == 300
    assert urls["main"].startswith(f"{rig.rtmp_url}/live/{dev['device_id']}?key=")
    assert urls["thumb"].startswith(f"{rig.rtmp_url}/thumb/{dev['device_id']}?key=")
    with push(urls["main"], log=tmp_path / "main.log"), push(urls["thumb"], thumb=True, log=tmp_path / "thumb.log"):
        playlist = rig.wait_playlist("live", dev["device_id"], director)
        rig.wait_playlist("thumb", dev["device_id"], director)
        answer = rig.get(f"/media/live/{dev['device_id']}/index.m3u8", director)
        assert answer.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert answer.headers["cache-control"] == "no-cache"
        fragment = next(line for line in playlist.splitlines() if line.endswith(".ts"))
        ts = rig.get(f"/media/live/{dev['device_id']}/{fragment}", director)
        assert ts.status_code == 200 and ts.content[:1] == b"\x47"  # an MPEG-TS packet
        main = ffprobe(f"{rig.web_url}/media/live/{dev['device_id']}/index.m3u8", director)
        kinds = {s["codec_type"]: s for s in main["streams"]}
        assert (kinds["video"]["codec_name"], kinds["video"]["width"], kinds["video"]["height"]) == ("h264", 1280, 720)
        assert (kinds["audio"]["codec_name"], kinds["audio"]["channels"], kinds["audio"]["sample_rate"]) == ("aac", 1, "48000")
        thumb = ffprobe(f"{rig.web_url}/media/thumb/{dev['device_id']}/index.m3u8", director)
        assert [(s["width"], s["height"]) for s in thumb["streams"] if s["codec_type"] == "video"] == [(320, 180)]
        # nginx-rtmp's HLS always declares an audio track; the thumbnail's carries no sound.
        assert all(s.get("channels", 0) == 0 for s in thumb["streams"] if s["codec_type"] == "audio")
        assert streams(rig, dev["device_id"]) == {"live": True, "thumb": True, "rec": True}
    deadline = time.monotonic() + 10
    while any(streams(rig, dev["device_id"]).values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert streams(rig, dev["device_id"]) == {"live": False, "thumb": False, "rec": False}
    assert_no_secret_in_logs(rig, urls["main"], urls["thumb"])


def refused(rig: MediaRig, viewer: str, url: str, device_id: str, app: str, log: Path) -> None:
    """ffmpeg pushing to ``url`` is cut by nginx, and no playlist of ``app/device_id`` ever appears."""
    with push(url, log=log) as proc:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"nginx let {app}/{device_id} publish: {log.read_text()[-500:]}")
        assert proc.returncode != 0
    answer = rig.get(f"/media/{app}/{device_id}/index.m3u8", viewer)
    assert answer.status_code == 404
    assert not (Path(rig.media.live_dir) / app / device_id).exists()


def test_wrong_expired_foreign_and_revoked_keys_are_refused(rig: MediaRig, director: str, tmp_path: Path) -> None:
    dev, other = rig.enroll("ld"), rig.enroll("ld")
    urls = rig.publish_urls(dev)
    secret = keys.load_secrets(rig.media.secret_file).publish
    dev_id, other_id = dev["device_id"], other["device_id"]
    base = f"{rig.rtmp_url}/live/{dev_id}"
    key = urls["main"].split("key=", 1)[1]
    expiry, signature = key.split(".")
    cases = {
        "tampered": f"{base}?key={expiry}.{signature[:-2]}xx",
        "longer expiry": f"{base}?key={int(expiry) + 3600}.{signature}",
        "expired": f"{base}?key={keys.make_key(secret, dev_id, 'live', -5)}",
        "no key": base,
        "another device's name": f"{rig.rtmp_url}/live/{other_id}?key={key}",
        "the thumb's key on live": f"{base}?key={urls['thumb'].split('key=', 1)[1]}",
    }
    for name, url in cases.items():
        device = other_id if "another" in name else dev_id
        refused(rig, director, url, device, "live", tmp_path / f"{name}.log")
    assert streams(rig, dev_id) == {} and streams(rig, other_id) == {}
    rig.revoke(dev_id)
    refused(rig, director, urls["main"], dev_id, "live", tmp_path / "revoked.log")
    refused(rig, director, urls["thumb"], dev_id, "thumb", tmp_path / "revoked-thumb.log")
    assert httpx.post(f"{rig.web_url}/api/v1/media/publish", json={}, headers=dev["headers"]).status_code == 401
    assert_no_secret_in_logs(rig, *cases.values())


def test_revoking_a_live_publisher_cuts_it_within_the_update_interval(rig: MediaRig, director: str, tmp_path: Path) -> None:
    dev = rig.enroll("ld")
    urls = rig.publish_urls(dev)
    with push(urls["main"], log=tmp_path / "ffmpeg.log") as proc:
        rig.wait_playlist("live", dev["device_id"], director)
        time.sleep(1)
        assert proc.poll() is None
        rig.revoke(dev["device_id"])
        revoked_at = time.monotonic()
        proc.wait(rig.media.update_seconds + 5)
        took = time.monotonic() - revoked_at
    assert took <= rig.media.update_seconds + 2, took
    assert streams(rig, dev["device_id"])["live"] is False


def test_the_hooks_answer_only_nginx(rig: MediaRig) -> None:
    dev = rig.enroll("ld")
    hook = keys.load_secrets(rig.media.secret_file).hook
    form = {"call": "publish", "app": "live", "name": dev["device_id"], "key": "1.x"}
    # Through the front door: nginx does not pass it on, secret or not.
    assert httpx.post(f"{rig.web_url}/media/hook/{hook}/publish", data=form).status_code == 404
    # To central itself: without the secret, or forwarded by a proxy, refused.
    assert httpx.post(f"{rig.central_url}/media/hook/wrong/publish", data=form).status_code == 403
    assert httpx.post(f"{rig.central_url}/media/hook/{hook}/publish", data=form,
                      headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 403
    # From nginx with bad fields: a 4xx that says why, never a 500.
    for bad in ({}, {"app": "live"}, {"app": "live", "name": "../etc"}, {"app": "xyz", "name": dev["device_id"]},
                {"app": "live", "name": dev["device_id"]}, {"app": "live", "name": "nope", "key": "1.x"}):
        answer = httpx.post(f"{rig.central_url}/media/hook/{hook}/publish", data=bad)
        assert 400 <= answer.status_code < 500, (bad, answer.status_code)
    assert httpx.post(f"{rig.central_url}/media/hook/{hook}/publish", content=b"\xff\x00garbage",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code in (400, 403)
    assert httpx.post(f"{rig.central_url}/media/hook/{hook}/other", data=form).status_code == 404
    assert streams(rig, dev["device_id"]) == {}


@pytest.mark.postgres
def test_the_hooks_keep_the_stream_state_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    with MediaRig(tmp_path, db_url=pg_url, update_seconds=3) as pg:
        pg.site("ld")
        director = pg.user("giamdoc", "director")
        dev = pg.enroll("ld")
        urls = pg.publish_urls(dev)
        with push(urls["main"], log=tmp_path / "main.log"):
            pg.wait_playlist("live", dev["device_id"], director)
            assert streams(pg, dev["device_id"])["live"] is True
            pg.revoke(dev["device_id"])
            deadline = time.monotonic() + pg.media.update_seconds + 5
            while streams(pg, dev["device_id"])["live"] and time.monotonic() < deadline:
                time.sleep(0.2)
        assert streams(pg, dev["device_id"])["live"] is False
        refused(pg, director, urls["thumb"], dev["device_id"], "thumb", tmp_path / "thumb.log")


def test_without_central_the_streams_are_cut_and_come_back_after(rig: MediaRig, director: str, tmp_path: Path) -> None:
    dev = rig.enroll("ld")
    with push(rig.publish_urls(dev)["main"], log=tmp_path / "ffmpeg.log") as proc:
        rig.wait_playlist("live", dev["device_id"], director)
        assert rig.central is not None
        rig.central.stop()  # nobody can check a revocation now: nginx fails closed at the next update
        try:
            proc.wait(rig.media.update_seconds + 5)
        finally:
            rig.central.start()
    # Central back: a fresh key (as the kiosk fetches before each reconnection) publishes again.
    with push(rig.publish_urls(dev)["main"], log=tmp_path / "again.log") as proc:
        playlist = Path(rig.media.live_dir) / "live" / dev["device_id"] / "index.m3u8"
        before = playlist.stat().st_mtime if playlist.exists() else 0
        deadline = time.monotonic() + 15
        while (not playlist.exists() or playlist.stat().st_mtime <= before) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        assert proc.poll() is None and playlist.stat().st_mtime > before
        assert ".ts" in rig.get(f"/media/live/{dev['device_id']}/index.m3u8", director).text
