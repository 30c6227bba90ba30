"""Central and its media server, for tests: kiosk-central (uvicorn) behind real nginx with the RTMP module.

    from tests.central.media_server import MediaRig, push

    with MediaRig(tmp_path) as rig:                  # or MediaRig(tmp_path, db_url=pg_url, not_recorded=["hn"])
        rig.site("ld", "Phòng CSGT Lâm Đồng")
        director = rig.user("giamdoc", "director")   # the value of a kc_session cookie
        leader = rig.user("truong-ld", "leader", "ld")
        dev = rig.enroll("ld")                         # {"device_id", "token", "headers", ...}
        urls = rig.publish_urls(dev)                   # POST /api/v1/media/publish through nginx
        with push(urls["main"]) as ffmpeg:             # ffmpeg's test picture and tone, as a kiosk sends
            text = rig.wait_playlist("live", dev["device_id"], director)
        rig.get("/media/live/<id>/index.m3u8", cookie=director)   # httpx through the nginx front

nginx is started by ``central.media.server.MediaServer`` from the rig's ``[media]`` settings
(``rig.media``; overrides as keyword arguments), on free ports in ``tmp_path``; central runs
in a thread on ``rig.central_url`` (loopback, behind nginx). ``rig.web_url`` is the front door
(pages, API, ``/media/``), ``rig.rtmp_url`` the RTMP base. Everything stops on exit.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from central import core
from central.access import COOKIE
from central.app import create_app
from central.media.server import MediaServer
from central.models import Session, User
from central.settings import Media, Settings
from tests.central.conftest import LiveServer, free_port

PASSWORD = "mat-khau-1"
#: ffmpeg's test picture pushed like the kiosk's streams (drivers/stream/settings.py): 720p main with sound and a
#: keyframe every half second, 320x180 thumbnail with one a second. (``kiosk_publisher`` runs the kiosk's own.)
MAIN_ARGS = ["-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-re", "-f", "lavfi",
             "-i", "sine=frequency=440:sample_rate=48000", "-c:v", "libx264", "-preset", "ultrafast",
             "-tune", "zerolatency", "-g", "12", "-keyint_min", "12", "-b:v", "800k", "-maxrate", "850k",
             "-bufsize", "850k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1", "-ar", "48000", "-b:a", "64k"]
THUMB_ARGS = ["-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=5", "-c:v", "libx264", "-preset", "ultrafast",
              "-tune", "zerolatency", "-g", "5", "-keyint_min", "5", "-b:v", "100k", "-maxrate", "120k",
              "-bufsize", "120k", "-pix_fmt", "yuv420p", "-an"]

#: The repository: ``python -m drivers.stream`` runs from there.
ROOT = Path(__file__).resolve().parents[2]


class MediaRig:
    """Central behind nginx on free ports in ``tmp``; see the module docstring."""

    def __init__(self, tmp: Path, db_url: str | None = None, settings: Settings | None = None,
                 retention_every_s: float = 60, **media: Any) -> None:
        self.tmp = Path(tmp)
        self.retention_every_s = retention_every_s
        self.db_url = db_url or f"sqlite:///{self.tmp / 'central.db'}"
        fields: dict[str, Any] = {
            "enabled": True, "public_host": "127.0.0.1", "web_listen": "127.0.0.1",
            "rtmp_port": free_port(), "web_port": free_port(), "central_port": free_port(),
            "runtime_dir": str(self.tmp / "media-run"), "live_dir": str(self.tmp / "media-live"),
            "record_dir": str(self.tmp / "recordings"), "secret_file": str(self.tmp / "media.secret"),
            "update_seconds": 3,
        }
        fields.update(media)
        self.media = Media(**fields)
        # Other sections (e.g. [ops]) from ``settings``; [media] is always the rig's.
        self.settings = (settings or Settings()).model_copy(update={"media": self.media})
        self.app: Any = None
        self.central: LiveServer | None = None
        self.server: MediaServer | None = None

    # -- lifetime --

    def start(self) -> "MediaRig":
        self.app = create_app(self.db_url, settings=self.settings)
        self.central = LiveServer(self.app, port=self.media.central_port).start()
        try:
            self.server = MediaServer(self.media, retention_every_s=self.retention_every_s).start()
        except Exception:
            self.central.stop()
            raise
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.central is not None:
            self.central.stop()
            self.central = None
        if self.app is not None:
            self.app.state.engine.dispose()

    def __enter__(self) -> "MediaRig":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses --

    @property
    def web_url(self) -> str:
        """nginx's front door: pages, the API and ``/media/``."""
        return f"http://127.0.0.1:{self.media.web_port}"

    @property
    def central_url(self) -> str:
        """kiosk-central itself (loopback, behind nginx)."""
        return f"http://127.0.0.1:{self.media.central_port}"

    @property
    def rtmp_url(self) -> str:
        return f"rtmp://127.0.0.1:{self.media.rtmp_port}"

    @property
    def engine(self) -> Engine:
        return self.app.state.engine

    @property
    def run_dir(self) -> Path:
        return Path(self.media.runtime_dir)

    # -- setting central up --

    def site(self, code: str = "ld", name: str = "Phòng CSGT Lâm Đồng") -> str:
        with self.engine.begin() as conn:
            core.add_site(conn, code, name, province="Lâm Đồng", department="CSGT")
        return code

    def user(self, username: str, role: str = "director", site: str | None = None) -> str:
        """A new user (password :data:`PASSWORD`) signed in: the value of their ``kc_session`` cookie."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            if conn.execute(User.__table__.select().where(User.username == username)).first() is None:
                core.add_user(conn, username, PASSWORD, role, site)
            user_id = conn.execute(User.__table__.select().where(User.username == username)).first().id
            conn.execute(Session.__table__.insert().values(
                token_hash=core.sha256(token), user_id=user_id, csrf=secrets.token_urlsafe(24),
                expires_us=core.now_us() + 3600 * 1_000_000))
        return token

    def enroll(self, site: str = "ld", serial: str | None = None) -> dict[str, Any]:
        """Enrol a kiosk of ``site`` through the front door: device_id, token, site and ``headers``."""
        with self.engine.begin() as conn:
            code = core.new_enrolment_code(conn, site, 3600)
        answer = httpx.post(f"{self.web_url}/api/v1/enroll",
                            json={"code": code, "serial": serial or f"pi-{secrets.token_hex(4)}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        data = answer.json()
        data["headers"] = {"Authorization": f"Bearer {data['token']}"}
        return data

    def revoke(self, device_id: str) -> None:
        with self.engine.begin() as conn:
            core.revoke(conn, device_id)

    def publish_urls(self, device: dict[str, Any]) -> dict[str, Any]:
        """``POST /api/v1/media/publish`` as the kiosk: {"main", "thumb", "expires_s"}."""
        answer = httpx.post(f"{self.web_url}/api/v1/media/publish", json={}, headers=device["headers"], timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    # -- viewing --

    def get(self, path: str, cookie: str | None = None, **kw: Any) -> httpx.Response:
        """GET ``path`` through nginx, with ``cookie`` as the session when given."""
        cookies = {COOKIE: cookie} if cookie else None
        return httpx.get(f"{self.web_url}{path}", cookies=cookies, timeout=10, **kw)

    def wait_playlist(self, app: str, device_id: str, cookie: str, timeout_s: float = 20) -> str:
        """The HLS playlist of a stream once it lists a fragment; AssertionError after ``timeout_s``."""
        path = f"/media/{app}/{device_id}/index.m3u8"
        deadline = time.monotonic() + timeout_s
        last: httpx.Response | None = None
        while time.monotonic() < deadline:
            last = self.get(path, cookie)
            if last.status_code == 200 and ".ts" in last.text:
                return last.text
            time.sleep(0.3)
        raise AssertionError(f"{path}: no playlist within {timeout_s:g} s "
                             f"(last answer {last.status_code if last else None})")

    def logs(self) -> str:
        """Everything nginx logged (error log, RTMP and HTTP access logs)."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.run_dir.glob("*.log")))


@contextlib.contextmanager
def push(url: str, thumb: bool = False, seconds: float | None = None,
         log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """ffmpeg publishing its test picture (and a 440 Hz tone on the main stream) to ``url`` in real time.

    Stopped on exit. ``log``: where ffmpeg's messages go (they hold the URL, key included: keep
    them out of the media server's folders).
    """
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning", *(THUMB_ARGS if thumb else MAIN_ARGS)]
    if seconds is not None:
        args += ["-t", str(seconds)]
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([*args, "-f", "flv", url], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        _stop(proc)
        if log:
            out.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def kiosk_publisher(rig: MediaRig, device: dict[str, Any], folder: Path,
                    counter: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """The kiosk's own stream publisher (``python -m drivers.stream --simulated``) for ``device``.

    The simulated camera and microphone go through the kiosk's encoder settings and push path
    (drivers/stream): a 1280x720 main stream with a tone, and the 320x180 thumbnail, with keys from
    central's publish API and the kiosk's reconnects. Stopped (SIGTERM, the kiosk's own shutdown) on exit.
    """
    folder.mkdir(parents=True, exist_ok=True)
    token = folder / "token.json"
    token.write_text(json.dumps({"token": device["token"], "device_id": device["device_id"]}))
    out = open(folder / "publisher.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.stream", "--simulated", "--central", rig.web_url,
         "--token-file", str(token), "--counter", str(counter)],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
    )
    try:
        yield proc
    finally:
        _stop(proc)
        out.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the process's own clean stop), then SIGKILL if it takes more than 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
