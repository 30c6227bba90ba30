"""How the media path performs (issue 14): latency, the kiosk's cost, central's cost, bitrates.

Central runs as in production, as processes: ``kiosk-central serve`` behind
``kiosk-central media`` (nginx with the RTMP module), started as ``make province`` does.

* kiosk: a real ``kiosk run`` (every device simulated, the camera at its default
  1280x720, 10 fps) idle with ``[stream]`` off, then publishing with ``[stream]`` on:
  CPU (% of one core) and RSS of the kiosk process and its ffmpeg child, from /proc;
* latency (glass to glass): that kiosk's simulated camera burns the wall clock into each
  frame (``drivers/stream/clock_code.py``); headless chromium, signed in as the director,
  opens ``/ops``, clicks the office's tile (the page's own hls.js player) and, N times a
  second, draws the playing ``<video>`` to a canvas and decodes the clock against
  ``Date.now()``: main stream (target p99 <= 3 s) and the tile's thumbnail, p50/p99;
  ``--other-player '{"liveSyncDuration": 1.5}'`` also measures a player with other hls.js settings;
* bitrate: the main stream (target <= 1000 kbit/s with sound) and the thumbnail (<= 150) from that
  kiosk, on the HLS fragments nginx wrote over 30 s (size over duration, and ffprobe's packets per track);
* central: 24 offices publishing (a clip encoded once with the kiosk's encoder settings,
  pushed 24 times with ``ffmpeg -re -stream_loop -1 -c copy`` to keys from the publish API)
  and 5 directors each watching ``/ops`` (24 thumbnails playing), nginx's and
  kiosk-central's CPU (their process trees, from /proc) over the window; nginx only remuxes:
  no ffmpeg runs under the media server.

Run: .venv/bin/python bench/bench_media.py [--offices 24] [--viewers 5] [--seconds 40]  (about 5 minutes;
--offices 0 skips central's part)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import machine, percentile  # noqa: E402
from central import core  # noqa: E402
from central.access import COOKIE  # noqa: E402
from central.db import make_engine  # noqa: E402
from central.models import Session, User  # noqa: E402
from drivers.camera import CameraConfig  # noqa: E402
from drivers.stream import StreamConfig  # noqa: E402
from drivers.stream.clock_code import JS_DECODER  # noqa: E402
from drivers.stream.settings import EncoderSettings  # noqa: E402
from scripts.province import Province, free_port, kiosk_config, prepare_central, start_central, tool  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
LATENCY_TARGET_S = 3.0
MAIN_TARGET_KBPS = 1000
THUMB_TARGET_KBPS = 150
CLIP_SECONDS = 20


# -- /proc --------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, CPU ticks used, RSS bytes) of ``pid``; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]) * PAGE


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                parents.setdefault(found[0], []).append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += parents.get(pid, [])
    return pids


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return ""


@dataclass
class Usage:
    """CPU (% of one core) and RSS (MB, mean and peak) of process trees over a window."""

    cpu_pct: float
    rss_mb: float
    rss_peak_mb: float
    processes: int


def measure(roots: list[int], seconds: float) -> Usage:
    """Sample the trees of ``roots`` every second for ``seconds``; processes that start meanwhile count
    from their start, ones that end lose their last second."""

    def ticks_and_rss() -> tuple[dict[int, int], int]:
        ticks, rss = {}, 0
        for root in roots:
            for pid in tree(root):
                found = _stat(pid)
                if found is not None:
                    ticks[pid] = found[1]
                    rss += found[2]
        return ticks, rss

    first, _ = ticks_and_rss()
    began = time.monotonic()
    rss_samples: list[int] = []
    last = first
    while time.monotonic() - began < seconds:
        time.sleep(1.0)
        last, rss = ticks_and_rss()
        rss_samples.append(rss)
    wall = time.monotonic() - began
    used = sum(t - first.get(pid, 0) for pid, t in last.items())
    return Usage(100 * used / TICK / wall, statistics.mean(rss_samples) / 1e6, max(rss_samples) / 1e6, len(last))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- central ------------------------------------------------------------------------------


class Central:
    """Central and its media server as processes in a temporary folder, with its database at hand."""

    def __init__(self, folder: Path) -> None:
        self.province = Province(folder, "127.0.0.1", free_port())
        (folder / "logs").mkdir(parents=True)
        self.settings = prepare_central(self.province)
        self.engine = make_engine(self.province.db_url)

    def start(self) -> None:
        start_central(self.province, self.settings)

    def stop(self) -> None:
        self.province.stop()
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.province.web_url

    def roots(self) -> list[int]:
        """The pids of kiosk-central serve and of the media server (whose tree holds nginx)."""
        return [c.process.pid for c in self.province.children if c.name in ("central", "media")]

    def site(self, code: str, name: str) -> None:
        with self.engine.begin() as conn:
            core.add_site(conn, code, name, province="Lâm Đồng", department="Công an")

    def director_session(self) -> str:
        """A fresh session of the director (created once, random password): the kc_session cookie's value."""
        with self.engine.begin() as conn:
            row = conn.execute(User.__table__.select().where(User.username == "giamdoc")).first()
            if row is None:
                core.add_user(conn, "giamdoc", secrets.token_urlsafe(16), "director", None)
                row = conn.execute(User.__table__.select().where(User.username == "giamdoc")).first()
            token = secrets.token_urlsafe(32)
            conn.execute(Session.__table__.insert().values(
                token_hash=core.sha256(token), user_id=row.id, csrf=secrets.token_urlsafe(24),
                expires_us=core.now_us() + 3600 * 1_000_000))
        return token

    def enrolment_code(self, site: str) -> str:
        with self.engine.begin() as conn:
            return core.new_enrolment_code(conn, site, 3600)

    def enroll(self, site: str) -> dict[str, Any]:
        """A device of ``site`` enrolled through the front door: device_id and token."""
        answer = httpx.post(f"{self.url}/api/v1/enroll", timeout=10,
                            json={"code": self.enrolment_code(site), "serial": f"bench-{secrets.token_hex(4)}"})
        answer.raise_for_status()
        return answer.json()

    def publish_urls(self, token: str) -> dict[str, Any]:
        answer = httpx.post(f"{self.url}/api/v1/media/publish", json={}, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()

    def heartbeat(self, token: str) -> None:
        """What a kiosk with a camera sends: online, camera and microphone fine (the wall shows a tile)."""
        httpx.post(f"{self.url}/api/v1/heartbeat", timeout=10, headers={"Authorization": f"Bearer {token}"},
                   json={"clock_synced": True, "devices": {"printer": "ok", "camera": "ok", "microphone": "ok"}}
                   ).raise_for_status()

    def live_folder(self, app: str, device_id: str) -> Path:
        assert self.province.live_dir is not None
        return self.province.live_dir / app / device_id

    def wait_fragments(self, app: str, device_id: str, count: int, timeout_s: float = 60) -> None:
        """Until nginx's live playlist of the stream lists ``count`` fragments."""
        playlist = self.live_folder(app, device_id) / "index.m3u8"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if playlist.exists() and playlist.read_text().count("#EXTINF") >= count:
                return
            time.sleep(0.5)
        raise SystemExit(f"bench: no HLS for {app}/{device_id} within {timeout_s:g} s; "
                         f"see {self.province.logs}/ and {self.province.folder}/media-run/")


# -- the kiosk ----------------------------------------------------------------------------


@contextmanager
def kiosk(central: Central, folder: Path, site: str, stream: bool) -> Iterator[tuple[int, str]]:
    """``kiosk run`` of ``site``, every device simulated, the camera at 1280x720 10 fps, ``[stream]``
    on or off; yields (pid, device id) once it is enrolled (and publishing, when on)."""
    folder.mkdir(parents=True)
    config = kiosk_config(central.province, "Công an thành phố Bảo Lộc", central.enrolment_code(site), folder,
                          simulate=False, stream=stream)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = env["SDL_AUDIODRIVER"] = "dummy"
    child = central.province.start(f"kiosk-{folder.name}", [tool("kiosk"), "run", "--config", str(config)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (folder / "token").exists():
            if child.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: the kiosk did not enrol; see {child.log}")
            time.sleep(0.3)
        yield child.process.pid, json.loads((folder / "token").read_text())["device_id"]
    finally:
        child.process.terminate()
        try:
            child.process.wait(15)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait(5)
        central.province.children.remove(child)


# -- latency in the browser ---------------------------------------------------------------

#: Run in the /ops page after the tile was clicked: sample both videos N times a second.
SAMPLER = """async ({decoder, perSecond, seconds, device, mainId}) => {
  const decode = new Function(decoder + "; return decodeClockCode;")();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const videos = {main: document.getElementById(mainId),
                  thumb: document.querySelector('.tile[data-device="' + device + '"] video')};
  const found = {main: [], thumb: []}, unreadable = {main: 0, thumb: 0};
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (const name of ["main", "thumb"]) {
      const video = videos[name];
      if (!video || video.readyState < 2 || !video.videoWidth) { unreadable[name]++; continue; }
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const value = decode(ctx.getImageData(0, 0, canvas.width, canvas.height));
      if (value === null) unreadable[name]++; else found[name].push(Date.now() - value);
    }
    await new Promise(r => setTimeout(r, 1000 / perSecond));
  }
  return {found, unreadable, size: {main: [videos.main.videoWidth, videos.main.videoHeight],
          thumb: videos.thumb ? [videos.thumb.videoWidth, videos.thumb.videoHeight] : null}};
}"""


#: A second player beside the page's, hls.js with ``config`` over /ops's former thumbnail settings:
#: what other settings would give, measured on the same frames.
OTHER_PLAYER = """async ({url, config}) => {
  const video = document.createElement("video");
  video.id = "bench-video"; video.muted = true; video.width = 320;
  document.body.appendChild(video);
  const hls = new window.Hls(Object.assign({liveSyncDurationCount: 2, manifestLoadingMaxRetry: 2}, config));
  hls.on(window.Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
  hls.loadSource(url);
  hls.attachMedia(video);
}"""


def latency(central: Central, device_id: str, session: str, seconds: float, per_second: int,
            other: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The latencies seen by /ops's own player, and by one with the hls.js settings ``other`` changed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--autoplay-policy=no-user-gesture-required"])
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.add_cookies([{"name": COOKIE, "value": session, "url": central.url}])
            page = context.new_page()
            page.goto(f"{central.url}/ops")
            page.click(f'.tile[data-device="{device_id}"]')
            ready = "v => v && v.readyState >= 2 && v.currentTime > 1"
            page.wait_for_function(f"() => ({ready})(document.getElementById('main-video'))", timeout=30_000)
            args = {"decoder": JS_DECODER, "perSecond": per_second, "seconds": seconds, "device": device_id}
            found = [("/ops player", page.evaluate(SAMPLER, {**args, "mainId": "main-video"}))]
            if other:
                page.evaluate(OTHER_PLAYER, {"url": f"/media/live/{device_id}/index.m3u8", "config": other})
                page.wait_for_function(f"() => ({ready})(document.getElementById('bench-video'))", timeout=30_000)
                found.append((f"hls.js {json.dumps(other)}",
                              page.evaluate(SAMPLER, {**args, "mainId": "bench-video"})))
            return found
        finally:
            browser.close()


# -- bitrates -----------------------------------------------------------------------------


def bitrates(streams: dict[str, Path], seconds: float, keep: Path) -> dict[str, dict[str, Any]]:
    """Each stream's bitrate over the fragments nginx lists in its live playlist (``streams``: name ->
    its live folder) during ``seconds``, copied under ``keep`` as they appear (nginx deletes old
    ones): as a transport stream, and per track."""
    durations: dict[str, dict[str, float]] = {name: {} for name in streams}
    for name in streams:
        (keep / name).mkdir(parents=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for name, folder in streams.items():
            try:
                listed = re.findall(r"#EXTINF:([\d.]+),\s*\n(\S+)", (folder / "index.m3u8").read_text())
            except OSError:
                listed = []
            for duration, fragment in listed:
                if fragment not in durations[name]:
                    try:
                        shutil.copy(folder / fragment, keep / name / fragment)
                    except OSError:
                        continue  # already deleted
                    durations[name][fragment] = float(duration)
        time.sleep(0.5)
    return {name: _bitrate(keep / name, durations[name]) for name in streams}


def _bitrate(folder: Path, durations: dict[str, float]) -> dict[str, Any]:
    if not durations:
        raise SystemExit(f"bench: no fragments for {folder.name}")
    total = sum((folder / name).stat().st_size for name in durations)
    per_track: dict[str, int] = {}
    for name in durations:
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "packet=codec_type,size", "-of", "csv=p=0",
                                str(folder / name)], capture_output=True, text=True, timeout=30)
        for line in probe.stdout.splitlines():
            parts = line.split(",")
            if len(parts) >= 2 and parts[1].isdigit():
                per_track[parts[0]] = per_track.get(parts[0], 0) + int(parts[1])
    info = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                           "stream=codec_type,codec_name,width,height,sample_rate,channels,r_frame_rate",
                           "-of", "json", str(folder / next(iter(durations)))], capture_output=True, text=True, timeout=30)
    shape = "; ".join(
        f"{s['codec_name']} {s['width']}x{s['height']} {s.get('r_frame_rate')}" if s["codec_type"] == "video"
        else f"{s['codec_name']} {s.get('sample_rate')} Hz {s.get('channels')} ch"
        for s in json.loads(info.stdout).get("streams", [])
        if s.get("codec_type") == "video" or s.get("channels"))  # nginx lists an empty audio track
    length = sum(durations.values())
    return {"seconds": length, "fragments": len(durations), "kbps": total * 8 / length / 1000,
            "tracks": {k: v * 8 / length / 1000 for k, v in per_track.items()}, "shape": shape}


def show_bitrate(name: str, found: dict[str, Any], target: int) -> None:
    tracks = ", ".join(f"{k} {v:.0f}" for k, v in sorted(found["tracks"].items()))
    verdict = "ok" if found["kbps"] <= target else "OVER"
    print(f"  {name:6s} {found['kbps']:6.0f} kbit/s as HLS ({tracks} kbit/s payload) over {found['seconds']:.0f} s "
          f"in {found['fragments']} fragments [{found['shape']}]  target <= {target}: {verdict}")


# -- 24 offices ---------------------------------------------------------------------------


def encode_clips(folder: Path) -> tuple[Path, Path]:
    """A clip of each stream encoded once with the kiosk's encoder settings (the [stream] and [camera]
    defaults: 1280x720 10 fps, libx264, 1 s GOP, AAC mono; 320x180 5 fps), from ffmpeg's test picture and tone."""
    settings = EncoderSettings.of(StreamConfig(), CameraConfig())
    main, thumb = folder / "main.flv", folder / "thumb.flv"
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={settings.width}x{settings.height}:rate={settings.frame_rate:g}",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(CLIP_SECONDS),
        "-filter_complex", settings.filter_graph(),
        "-map", "[main]", "-map", "1:a", *settings.main_video_args("software"), *settings.audio_args(),
        "-t", str(CLIP_SECONDS), str(main),
        "-map", "[thumb]", *settings.thumb_args(), "-t", str(CLIP_SECONDS), str(thumb),
    ]
    subprocess.run(command, check=True, timeout=300)
    return main, thumb


@contextmanager
def publishers(urls: list[tuple[Path, str]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``ffmpeg -re -stream_loop -1 -c copy`` of each (clip, URL); stopped on exit. Their output is
    dropped: it would hold the keys."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for clip, url in urls:
            started.append(subprocess.Popen(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                 "-i", str(clip), "-c", "copy", "-f", "flv", url],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def wall_playing(page: Any) -> tuple[int, int]:
    """(tiles with a video advancing, tiles) on an /ops page."""
    return page.evaluate("""async () => {
      const videos = [...document.querySelectorAll('.tile video')];
      const before = videos.map(v => v.currentTime);
      await new Promise(r => setTimeout(r, 1500));
      return [videos.filter((v, i) => v.currentTime > before[i]).length, document.querySelectorAll('.tile').length];
    }""")


def bench_central(central: Central, folder: Path, offices: int, viewers: int, seconds: float) -> None:
    from playwright.sync_api import sync_playwright

    main_clip, thumb_clip = encode_clips(folder)
    devices = []
    for n in range(offices):
        code = f"dv{n + 1:02d}"
        central.site(code, f"Đơn vị {n + 1:02d}")
        devices.append(central.enroll(code))
    targets: list[tuple[Path, str]] = []
    for device in devices:
        central.heartbeat(device["token"])
        urls = central.publish_urls(device["token"])
        targets += [(main_clip, urls["main"]), (thumb_clip, urls["thumb"])]
    with publishers(targets) as pushing:
        for device in devices:
            central.wait_fragments("thumb", device["device_id"], 2)
            central.wait_fragments("live", device["device_id"], 2)
        alive = sum(p.poll() is None for p in pushing)
        print(f"  {offices} offices publishing ({alive}/{len(pushing)} ffmpeg -c copy pushes running)")
        idle = measure(central.roots(), 10)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--autoplay-policy=no-user-gesture-required"])
            try:
                pages = []
                for _ in range(viewers):
                    context = browser.new_context(viewport={"width": 1600, "height": 1000})
                    context.add_cookies([{"name": COOKIE, "value": central.director_session(), "url": central.url}])
                    page = context.new_page()
                    page.goto(f"{central.url}/ops")
                    pages.append(page)
                time.sleep(10)  # the walls start their 24 players
                for device in devices:  # a heartbeat per office during the window, as kiosks send them
                    central.heartbeat(device["token"])
                usage = measure(central.roots(), seconds)
                playing = [wall_playing(page) for page in pages]
            finally:
                browser.close()
        transcoders = [pid for root in central.roots() for pid in tree(root) if "ffmpeg" in command_of(pid)]
    print(f"  central idle with {offices} publishing, no viewer: CPU {idle.cpu_pct:5.1f}% of one core, "
          f"RSS {idle.rss_mb:.0f} MB")
    print(f"  central with {offices} publishing and {viewers} directors on /ops over {seconds:g} s: "
          f"CPU {usage.cpu_pct:5.1f}% of one core ({usage.cpu_pct / (os.cpu_count() or 1):.1f}% of the machine), "
          f"RSS {usage.rss_mb:.0f} MB (peak {usage.rss_peak_mb:.0f} MB), {usage.processes} processes "
          f"(kiosk-central serve, media supervisor, nginx master and workers)")
    print("  walls: " + ", ".join(f"{a}/{b}" for a, b in playing) + " tiles with their video advancing")
    print(f"  ffmpeg processes under the media server: {len(transcoders)} (nginx only remuxes: target 0)")


# -- main ---------------------------------------------------------------------------------


def summary(values: list[float]) -> str:
    if not values:
        return "no frame decoded"
    return (f"p50 {percentile(values, 50) / 1000:.2f} s  p99 {percentile(values, 99) / 1000:.2f} s  "
            f"max {max(values) / 1000:.2f} s  (n={len(values)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offices", type=int, default=24, help="offices publishing for central's CPU (default 24)")
    parser.add_argument("--viewers", type=int, default=5, help="directors watching /ops (default 5)")
    parser.add_argument("--seconds", type=float, default=40, help="central's measuring window (default 40)")
    parser.add_argument("--bitrate-seconds", type=float, default=30,
                        help="how long the kiosk's fragments are collected for its bitrate (default 30)")
    parser.add_argument("--latency-seconds", type=float, default=30, help="latency sampling time (default 30)")
    parser.add_argument("--per-second", type=int, default=10, help="latency samples per second (default 10)")
    parser.add_argument("--other-player", default="",
                        help='also measure a player with these hls.js settings changed (JSON), e.g. '
                        '\'{"liveSyncDurationCount": 1, "maxLiveSyncPlaybackRate": 1.5}\'')
    args = parser.parse_args(argv)
    for program in ("ffmpeg", "ffprobe", "/usr/bin/chromium"):
        if shutil.which(program) is None:
            print(f"bench: {program} is missing: run scripts/setup.sh", file=sys.stderr)
            return 2
    print(machine(f"load average {load_average()} at start"))
    folder = Path(tempfile.mkdtemp(prefix="bench-media-"))
    central = Central(folder / "central")
    try:
        central.start()
        central.site("baoloc", "Công an thành phố Bảo Lộc")
        session = central.director_session()

        print("kiosk (kiosk run, every device simulated, camera 1280x720 10 fps, libx264 veryfast):")
        with kiosk(central, folder / "idle", "baoloc", stream=False) as (pid, _):
            time.sleep(10)
            idle = measure([pid], 20)
        with kiosk(central, folder / "publishing", "baoloc", stream=True) as (pid, device_id):
            central.wait_fragments("live", device_id, 3)
            busy = measure([pid], 20)
            print(f"  idle (no [stream]):  CPU {idle.cpu_pct:5.1f}% of one core, RSS {idle.rss_mb:6.1f} MB")
            print(f"  publishing:          CPU {busy.cpu_pct:5.1f}% of one core, RSS {busy.rss_mb:6.1f} MB "
                  f"({busy.processes} processes: the kiosk and its ffmpeg)")
            print(f"  added by publishing: CPU {busy.cpu_pct - idle.cpu_pct:+5.1f}% of one core, "
                  f"RSS {busy.rss_mb - idle.rss_mb:+6.1f} MB")
            print(f"bitrate (that kiosk's streams, as nginx cut them, over {args.bitrate_seconds:g} s):")
            rates = bitrates({"main": central.live_folder("live", device_id),
                              "thumb": central.live_folder("thumb", device_id)}, args.bitrate_seconds,
                             folder / "fragments")
            show_bitrate("main", rates["main"], MAIN_TARGET_KBPS)
            show_bitrate("thumb", rates["thumb"], THUMB_TARGET_KBPS)
            print(f"latency, glass to glass (the frame's burned clock against Date.now() in chromium, "
                  f"{args.per_second}/s for {args.latency_seconds:g} s, /ops's hls.js player):")
            players = latency(central, device_id, session, args.latency_seconds, args.per_second,
                              json.loads(args.other_player) if args.other_player else None)
            for player, found in players:
                for name in ("main", "thumb") if player == "/ops player" else ("main",):
                    values = found["found"][name]
                    verdict = "ok" if values and percentile(values, 99) <= LATENCY_TARGET_S * 1000 else "OVER"
                    # The target is the main stream's (the one the director inspects with); the wall's
                    # thumbnails play further behind by design.
                    target = f"target p99 <= {LATENCY_TARGET_S:g} s: {verdict}" if name == "main" else "no target"
                    print(f"  {player}: {name:5s} {summary(values)}  unreadable {found['unreadable'][name]}  "
                          f"video {found['size'][name]}  {target}")
        if args.offices > 0:
            print(f"central ({args.offices} offices, {args.viewers} viewers), load average {load_average()}:")
            bench_central(central, folder, args.offices, args.viewers, args.seconds)
        print(f"load average at the end: {load_average()}")
    except BaseException:
        central.stop()
        print(f"bench: logs kept in {folder}", file=sys.stderr)
        raise
    central.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
