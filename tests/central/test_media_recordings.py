"""Recordings through the real media server: kept on disk for a recorded unit, none for a unit with
recording off, played back by date and time through nginx (ffmpeg decodes the generated playlist),
only by those who may see the unit; and a full recordings disk never stops live viewing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from central.models import MediaStream
from central.summary import DEFAULT_TZ
from tests.central.media_server import MediaRig, push


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaRig]:
    with MediaRig(tmp_path_factory.mktemp("media-rec"), not_recorded=["hn"]) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        rig.site("hn", "Phòng CSGT Hà Nội")
        yield rig


def cookie_header(cookie: str) -> list[str]:
    return ["-headers", f"Cookie: kc_session={cookie}\r\n"]


def test_a_recorded_unit_plays_back_and_an_unrecorded_one_keeps_nothing(rig: MediaRig, tmp_path: Path) -> None:
    leader_ld = rig.user("truong-ld", "leader", "ld")
    leader_hn = rig.user("truong-hn", "leader", "hn")
    director = rig.user("giamdoc", "director")
    ld, hn = rig.enroll("ld"), rig.enroll("hn")
    rec_ld = Path(rig.media.record_dir) / ld["device_id"]
    rec_hn = Path(rig.media.record_dir) / hn["device_id"]
    with push(rig.publish_urls(ld)["main"]), push(rig.publish_urls(hn)["main"]):
        rig.wait_playlist("live", hn["device_id"], director)  # live works for the unrecorded unit
        deadline = time.monotonic() + 40
        while len(list(rec_ld.glob("*.ts"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(list(rec_ld.glob("*.ts"))) >= 3
        assert not rec_hn.exists() or not list(rec_hn.glob("*.ts"))
        with rig.engine.connect() as conn:
            rec = dict(conn.execute(select(MediaStream.device_id, MediaStream.publishing)
                                    .where(MediaStream.app == "rec")).all())
        assert rec == {ld["device_id"]: True}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # until nginx says the recording ended (its last fragment closed)
        with rig.engine.connect() as conn:
            if not conn.execute(select(MediaStream.publishing).where(
                    MediaStream.app == "rec", MediaStream.device_id == ld["device_id"])).scalar():
                break
        time.sleep(0.2)
    names = sorted(int(p.stem) for p in rec_ld.glob("*.ts"))
    deadline = time.monotonic() + 10
    while f"{names[-1]}.ts" not in (rec_ld / "index.m3u8").read_text() and time.monotonic() < deadline:
        time.sleep(0.2)  # nginx lists the last fragment once it has closed it, maybe after the hook said so
    assert all(5_000 <= b - a <= 8_000 for a, b in zip(names, names[1:]))  # 6 s fragments named by start time
    day = datetime.now(ZoneInfo(DEFAULT_TZ)).date().isoformat()

    page = rig.get(f"/ops/recordings/ld?day={day}", leader_ld)
    assert page.status_code == 200
    assert "Xem lại ghi hình" in page.text and ld["device_id"] in page.text
    assert f'name="day" value="{date.fromisoformat(day):%d/%m/%Y}"' in page.text  # day first, as typed back
    spans = re.findall(r'data-start="(\d\d:\d\d:\d\d)" data-end="(\d\d:\d\d:\d\d)"', page.text)
    assert len(spans) == 1
    start, end = spans[0]
    first = datetime.fromtimestamp(names[0] / 1000, ZoneInfo(DEFAULT_TZ))
    assert start == f"{first:%H:%M:%S}"

    path = f"/ops/recordings/ld/{ld['device_id']}.m3u8?day={day}&start={start}&end={end}"
    playlist = rig.get(path, leader_ld)
    assert playlist.status_code == 200 and playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    listed = [line for line in playlist.text.splitlines() if line.startswith("/media/rec/")]
    # Every fragment, the last one too: the stream ended, so nginx closed and listed it.
    assert listed == [f"/media/rec/{ld['device_id']}/{n}.ts" for n in names]
    probe = subprocess.run(["ffprobe", "-v", "error", *cookie_header(leader_ld), "-show_entries",
                            "format=duration:stream=codec_type,codec_name,width,height,channels", "-of", "json",
                            f"{rig.web_url}{path}"], capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    info = json.loads(probe.stdout)
    assert float(info["format"]["duration"]) >= 5 * (len(names) - 1)
    kinds = {s["codec_type"]: s for s in info["streams"]}
    assert (kinds["video"]["width"], kinds["video"]["height"], kinds["audio"]["channels"]) == (1280, 720, 1)
    decoded = subprocess.run(["ffmpeg", "-v", "error", *cookie_header(leader_ld), "-i", f"{rig.web_url}{path}",
                              "-f", "null", "-"], capture_output=True, text=True, timeout=120)
    assert decoded.returncode == 0 and "403" not in decoded.stderr, decoded.stderr

    # Another unit's leader gets neither the page, the playlist nor a fragment; no session: the sign-in page.
    assert rig.get(f"/ops/recordings/ld?day={day}", leader_hn).status_code == 403
    assert rig.get(path, leader_hn).status_code == 403
    assert rig.get(listed[0], leader_hn).status_code == 403
    assert rig.get(listed[0]).status_code == 401
    signed_out = rig.get(path)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    hn_page = rig.get(f"/ops/recordings/hn?day={day}", leader_hn)
    assert "Đơn vị này không ghi hình" in hn_page.text and 'class="btn play"' not in hn_page.text
    # Bad input: a 422 or 404 that says why, never a 500.
    assert rig.get("/ops/recordings/ld?day=2026-13-40", leader_ld).status_code == 422
    refused = rig.get("/ops/recordings/ld?day=31/11/2026", leader_ld)
    assert refused.status_code == 422 and "không có ngày 31/11/2026" in refused.json()["detail"]
    bad_range = rig.get(f"/ops/recordings/ld/{ld['device_id']}.m3u8?day={day}&start=10:00&end=09:00", leader_ld)
    assert bad_range.status_code == 422 and "end" in bad_range.json()["detail"]
    assert rig.get(f"/ops/recordings/ld/{hn['device_id']}.m3u8?day={day}", leader_ld).status_code == 404
    assert rig.get(f"/ops/recordings/ld/{ld['device_id']}.m3u8?day=2001-01-01", leader_ld).status_code == 404


@contextlib.contextmanager
def full_disk(folder: Path) -> Iterator[str]:
    """``folder`` on a 256 KiB tmpfs (root), else made unwritable; says which."""
    folder.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                                            capture_output=True).returncode == 0:
        try:
            yield "full"
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    folder.chmod(0o500)
    try:
        yield "unwritable"
    finally:
        folder.chmod(0o700)


def test_a_full_recordings_disk_does_not_stop_live_viewing(tmp_path: Path) -> None:
    with full_disk(tmp_path / "recordings") as how, MediaRig(tmp_path, record_dir=str(tmp_path / "recordings")) as rig:
        rig.site("ld")
        director = rig.user("giamdoc", "director")
        dev = rig.enroll("ld")
        with push(rig.publish_urls(dev)["main"]) as proc:
            rig.wait_playlist("live", dev["device_id"], director)
            sequences = set()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                text = rig.get(f"/media/live/{dev['device_id']}/index.m3u8", director).text
                sequences.add(int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1)))
                fragment = [line for line in text.splitlines() if line.endswith(".ts")][-1]
                assert rig.get(f"/media/live/{dev['device_id']}/{fragment}", director).status_code == 200
                time.sleep(1)
            assert proc.poll() is None
        # The live playlist kept moving the whole time (about one 1 s fragment a second).
        assert max(sequences) - min(sequences) >= 12, sequences
        if how == "full":
            usage = os.statvfs(tmp_path / "recordings")
            assert usage.f_bavail * usage.f_frsize < 64 * 1024  # the recordings disk did fill up


@pytest.mark.browser
def test_a_leader_plays_back_a_recorded_span_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.central.media_server import PASSWORD

    with MediaRig(tmp_path) as rig:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        rig.user("truong-ld", "leader", "ld")
        dev = rig.enroll("ld")
        folder = Path(rig.media.record_dir) / dev["device_id"]
        with push(rig.publish_urls(dev)["main"]):
            deadline = time.monotonic() + 40
            while len(list(folder.glob("*.ts"))) < 3 and time.monotonic() < deadline:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu",
                                              "--autoplay-policy=no-user-gesture-required"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                seen: list[str] = []
                page.on("request", lambda r: seen.append(r.url))
                page.goto(f"{rig.web_url}/login")  # through nginx, the front door
                page.get_by_label("Tên đăng nhập").fill("truong-ld")
                page.get_by_label("Mật khẩu").fill(PASSWORD)
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_url(f"{rig.web_url}/")
                page.goto(f"{rig.web_url}/ops/recordings/ld")
                assert page.get_by_role("heading", name="Xem lại ghi hình").count() == 1
                page.locator("button.play").first.click()
                page.wait_for_function(
                    "() => { const v = document.getElementById('player');"
                    " return v.videoWidth === 1280 && v.videoHeight === 720 && v.currentTime > 1.5; }",
                    timeout=30_000)
                assert page.locator("#status").inner_text() == ""
            finally:
                browser.close()
        # Nothing from elsewhere (no CDN): the page, hls.js and the media are central's; blob: is hls.js's MSE source.
        outside = [u for u in seen if not u.removeprefix("blob:").startswith(rig.web_url)]
        assert not outside, outside
        assert any("/media/rec/" in url for url in seen)
