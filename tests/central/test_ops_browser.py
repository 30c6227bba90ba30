"""The operations room in a real browser: two offices' kiosk publishers (drivers/stream, simulated camera and
microphone) pushing to the real media server (nginx-rtmp),
the director's wall (every tile's video advances, 320x180), the opened main stream (1280x720, sound with
energy), an alert within 5 s of its cause, a leader's wall (the other unit absent, its media refused) and
no media without a session. Screenshots go to $OPS_SHOTS (default: the test's tmp folder)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import update

from central import core
from central.models import Device
from central.ops import live
from central.settings import Ops, Settings
from tests.central.media_server import MediaRig, kiosk_publisher
from tests.central.ops_offices import OpsOffice, counter

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
#: RMS of the opened stream's sound above this is sound (the test tone is about 0.09; silence is 0).
SILENCE = 0.01

#: The loudest RMS the page's WebAudio analyser reads from the large player within about two seconds.
RMS_JS = """async () => {
  const video = document.getElementById('main-video');
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  ctx.createMediaElementSource(video).connect(analyser);
  analyser.connect(ctx.destination);
  await ctx.resume();
  const buf = new Float32Array(analyser.fftSize);
  let loudest = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise(r => setTimeout(r, 100));
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const x of buf) sum += x * x;
    loudest = Math.max(loudest, Math.sqrt(sum / buf.length));
  }
  return loudest;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OPS_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page_as(browser: Browser, rig: MediaRig, cookie: str | None, width: int = 1920, height: int = 1080) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    if cookie:
        context.add_cookies([{"name": "kc_session", "value": cookie, "url": rig.web_url}])
    return context.new_page()


def advancing(page: Page, selector: str) -> dict[str, Any]:
    """currentTime of the video now and 3 s later, and its frame size."""
    video = page.locator(selector)
    video.evaluate("v => new Promise(r => v.readyState >= 2 ? r() : v.addEventListener('loadeddata', r, {once: true}))")
    first = video.evaluate("v => v.currentTime")
    page.wait_for_timeout(3000)
    return video.evaluate("(v, first) => ({first, now: v.currentTime, w: v.videoWidth, h: v.videoHeight, "
                          "paused: v.paused, muted: v.muted})", first)


def test_operations_room_live(browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = shots(tmp_path)
    monkeypatch.setattr(live, "STREAM_S", 4.0)  # the event stream ends every 4 s: the page must reconnect by itself
    settings = Settings(ops=Ops(unattended_minutes=10, offline_minutes=5, stream_grace_seconds=5))
    with MediaRig(tmp_path, settings=settings) as rig, httpx.Client(base_url=rig.web_url, timeout=10) as api, \
            ExitStack() as pushing:
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        rig.site("hn", "Phòng CSGT Hà Nội")
        director = rig.user("giamdoc", "director")
        leader = rig.user("truong-ld", "leader", "ld")
        offices, mains = {}, {}
        for code in ("ld", "hn"):
            dev = rig.enroll(code, serial=f"pi-{code}")
            office = offices[code] = OpsOffice(api, dev)
            office.issue(f"{code}-w1", minutes_ago=7, display="1001")
            office.issue(f"{code}-w2", minutes_ago=2, display="1002")
            office.upload()
            office.heartbeat([counter(1, officer="101"), counter(2, "paused")],
                             devices={"printer": "ok", "camera": "ok", "microphone": "ok"})
            mains[code] = pushing.enter_context(kiosk_publisher(rig, dev, tmp_path / f"kiosk-{code}"))
        ids = {code: o.device["device_id"] for code, o in offices.items()}
        for code in ("ld", "hn"):
            rig.wait_playlist("thumb", ids[code], director, timeout_s=30)
        rig.wait_playlist("live", ids["ld"], director, timeout_s=30)

        # -- the director's wall: both tiles live, every thumbnail advancing at 320x180 --
        page = page_as(browser, rig, director)
        outside: list[str] = []
        own = (rig.web_url, f"blob:{rig.web_url}")  # blob: hls.js's own worker and media source
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(own) else None)
        page.goto(f"{rig.web_url}/ops")
        page.evaluate("window.samePage = true")  # gone if the page reloads
        for code in ("ld", "hn"):
            page.locator(f'.tile[data-site="{code}"][data-state="live"] video').wait_for(timeout=15000)
        for code in ("ld", "hn"):
            seen = advancing(page, f'.tile[data-site="{code}"] video')
            assert seen["now"] > seen["first"] + 1, (code, seen)
            assert (seen["w"], seen["h"], seen["muted"]) == (320, 180, True), (code, seen)
        tile = page.locator('.tile[data-site="ld"]')
        assert "Phòng CSGT Lâm Đồng" in tile.inner_text() and "Chờ lâu nhất\n7 phút" in tile.inner_text()
        page.screenshot(path=str(out / "ops-wall.png"))

        # -- a tile opens the main stream with sound, and the office's queue beside it --
        tile.click()
        seen = advancing(page, "#main-video")
        assert (seen["w"], seen["h"], seen["muted"], seen["paused"]) == (1280, 720, False, False), seen
        assert seen["now"] > seen["first"] + 1
        rms = page.evaluate(RMS_JS)
        assert rms > SILENCE, rms
        print(f"opened stream: {seen}, sound RMS {rms:.3f}")
        queue = page.locator("#player-queue").inner_text()
        assert "Nguyễn Văn An (101)" in queue and "1001" in queue and "7 phút" in queue
        page.screenshot(path=str(out / "ops-player.png"))
        assert page.get_by_role("link", name="Xem lại ghi hình").get_attribute("href") == "/ops/recordings/ld"
        page.get_by_role("button", name="Đóng").click()

        # -- an alert within 5 s of its cause: a dissatisfied rating posted through the API --
        offices["hn"].rate("hn-r1", level=4)
        offices["hn"].upload()
        sent = time.monotonic()
        item = page.locator("#alert-list li.open", has_text="Không hài lòng")
        item.wait_for(timeout=5000)
        assert time.monotonic() - sent < 5
        assert "Phòng CSGT Hà Nội" in item.inner_text()
        assert page.locator("#news").is_visible()
        page.screenshot(path=str(out / "ops-alert.png"))
        assert outside == []  # no CDN: the player is vendored

        # -- an office not heard from: its tile says since when instead of the video, and an alert --
        with rig.engine.begin() as conn:
            conn.execute(update(Device).where(Device.id == ids["hn"]).values(last_seen_us=core.now_us() - 10 * 60_000_000))
        gone = page.locator('.tile[data-site="hn"][data-state="offline"]')
        gone.wait_for(timeout=5000)
        assert re.search(r"Mất kết nối từ \d\d:\d\d", gone.inner_text()) and gone.locator("video").count() == 0
        page.locator("#alert-list li.open", has_text="Mất kết nối từ").wait_for(timeout=5000)
        # -- the kiosk's stream stops while the office is online: alert after the grace; then it is back --
        mains["ld"].terminate()
        page.locator("#alert-list li.open", has_text="Mất hình trực tiếp").wait_for(timeout=15000)
        page.screenshot(path=str(out / "ops-offline.png"))
        mains["ld"].wait(15)
        pushing.enter_context(kiosk_publisher(rig, offices["ld"].device, tmp_path / "kiosk-ld-again"))
        rig.wait_playlist("thumb", ids["ld"], director, timeout_s=30)
        # Several streams have ended by now: the page reconnected each time, never reloaded, and is current.
        assert page.evaluate("window.samePage") is True
        before = page.locator("#updated").inner_text()
        page.wait_for_function("t => document.getElementById('updated').textContent !== t", arg=before, timeout=5000)

        # -- a unit leader: the other unit's tile is absent and its media refused --
        mine = page_as(browser, rig, leader, width=1366, height=768)
        mine.goto(f"{rig.web_url}/ops")
        mine.locator('.tile[data-site="ld"][data-state="live"]').wait_for(timeout=15000)
        mine.wait_for_timeout(2500)  # a snapshot or two later, still only their unit
        assert mine.locator(".tile").count() == 1 and mine.locator('.tile[data-site="hn"]').count() == 0
        assert "Hà Nội" not in mine.content()
        fetch = "url => fetch(url).then(r => r.status)"
        assert mine.evaluate(fetch, f"/media/thumb/{ids['hn']}/index.m3u8") == 403
        assert mine.evaluate(fetch, f"/media/live/{ids['hn']}/index.m3u8") == 403
        assert mine.evaluate(fetch, f"/media/thumb/{ids['ld']}/index.m3u8") == 200
        mine.screenshot(path=str(out / "ops-leader-laptop.png"))

        # -- without a session every media URL kind is refused, and /ops asks to sign in --
        anonymous = page_as(browser, rig, None)
        anonymous.goto(f"{rig.web_url}/ops")
        assert anonymous.url.endswith("/login")
        for path in (f"/media/live/{ids['ld']}/index.m3u8", f"/media/thumb/{ids['ld']}/index.m3u8",
                     f"/media/rec/{ids['ld']}/1764489600000.ts", "/ops/stream", "/ops/state.json"):
            assert anonymous.evaluate(fetch, path) == 401, path
        for p in (page, mine, anonymous):
            p.context.close()  # the pages' event streams end before the server stops
