"""``kiosk-central media``: run nginx (the media server and central's front door) and the retention.

:class:`MediaServer` checks that nginx and its RTMP module are installed (else
:class:`MediaError` saying what to install), makes its folders, renders ``nginx.conf`` into
``runtime_dir``, has nginx check it, and runs nginx in the foreground; a thread deletes old
recordings every minute (``central.media.recordings``). If nginx stops, the supervisor stops
with its exit status (systemd restarts it).
"""

from __future__ import annotations

import logging
import os
import pwd
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from central.media import keys, nginx, recordings
from central.settings import Media

log = logging.getLogger(__name__)
#: How often the retention runs (seconds).
RETENTION_EVERY_S = 60


class MediaError(Exception):
    """The media server cannot start; the message says why and how to fix it."""


def check_installed(media: Media) -> None:
    """:class:`MediaError` naming the fix when nginx or its RTMP module is missing."""
    if not os.access(media.nginx, os.X_OK):
        raise MediaError(f"nginx is not installed at {media.nginx}: install it with "
                         "`sudo apt-get install nginx-light libnginx-mod-rtmp` (or run scripts/setup.sh), "
                         "or set [media] nginx to its path")
    if not Path(media.rtmp_module).is_file():
        raise MediaError(f"nginx's RTMP module is not at {media.rtmp_module}: install it with "
                         "`sudo apt-get install libnginx-mod-rtmp`, or set [media] rtmp_module to its path")


class MediaServer:
    """nginx run from ``media``'s settings, and the recordings' retention beside it."""

    def __init__(self, media: Media, retention_every_s: float = RETENTION_EVERY_S) -> None:
        self.media = media
        self.retention_every_s = retention_every_s
        self.run_dir = Path(media.runtime_dir)
        self.conf = self.run_dir / "nginx.conf"
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._retention: threading.Thread | None = None

    def prepare(self) -> Path:
        """Check the install, make the folders, write and test ``nginx.conf``; its path."""
        check_installed(self.media)
        for folder in (self.run_dir / "tmp", self.run_dir / "auth-cache", Path(self.media.live_dir) / "live",
                       Path(self.media.live_dir) / "thumb"):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise MediaError(f"cannot make {folder}: {exc.strerror} (check [media] runtime_dir and live_dir)") from None
        try:
            Path(self.media.record_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # Recordings need it, live viewing does not: say so and go on.
            log.error("cannot make the recordings folder %s: %s", self.media.record_dir, exc.strerror)
        try:
            secrets = keys.load_secrets(self.media.secret_file)
        except keys.SecretError as exc:
            raise MediaError(str(exc)) from None
        # Started as root, nginx would run its workers as "nobody", who cannot write our folders.
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
        self.conf.write_text(nginx.render(self.media, secrets.hook, user=user), encoding="utf-8")
        os.chmod(self.conf, 0o600)  # it holds the hook secret
        test = subprocess.run(self._command("-t"), capture_output=True, text=True, timeout=30)
        if test.returncode != 0:
            raise MediaError(f"nginx refused the configuration {self.conf}:\n{test.stderr.strip()}")
        return self.conf

    def _command(self, *extra: str) -> list[str]:
        return [self.media.nginx, "-p", str(self.run_dir), "-e", str(self.run_dir / "error.log"),
                "-c", str(self.conf), *extra]

    def start(self, wait_s: float = 10) -> "MediaServer":
        """Prepare, start nginx and the retention thread; return once nginx listens."""
        self.prepare()
        self.process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + wait_s
        while not self._listening():
            if self.process.poll() is not None:
                raise MediaError(f"nginx stopped at start (status {self.process.returncode}); "
                                 f"see {self.run_dir / 'error.log'}")
            if time.monotonic() > deadline:
                self.stop()
                raise MediaError(f"nginx did not listen within {wait_s:g} s; see {self.run_dir / 'error.log'}")
            time.sleep(0.05)
        self._stop.clear()
        self._retention = threading.Thread(target=self._retain, name="media-retention", daemon=True)
        self._retention.start()
        return self

    def _listening(self) -> bool:
        web = self.media.web_listen.strip("[]")
        web_host = web if web and web not in ("0.0.0.0", "::", "*") else "127.0.0.1"
        for host, port in ((web_host, self.media.web_port), ("127.0.0.1", self.media.rtmp_port)):
            try:
                with socket.create_connection((host, port), timeout=0.2):
                    pass
            except OSError:
                return False
        return True

    def _retain(self) -> None:
        while not self._stop.wait(self.retention_every_s):
            try:
                removed = recordings.enforce(self.media)
                if removed.files:
                    log.info("recordings: deleted %d oldest fragments (%d bytes)", removed.files, removed.bytes)
            except Exception:  # the retention must never stop the media server
                log.exception("recordings retention failed")

    def wait(self) -> int:
        """Block until nginx exits; nginx's exit status."""
        assert self.process is not None
        code = self.process.wait()
        self._stop.set()
        return code

    def terminate(self) -> None:
        """Ask nginx for a fast shutdown (publishers reconnect elsewhere or later), without waiting."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop nginx (fast shutdown) and the retention thread."""
        self._stop.set()
        self.terminate()
        if self.process is not None:
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._retention is not None:
            self._retention.join(5)


def run(media: Media) -> int:
    """``kiosk-central media``: nginx in the foreground with the retention until SIGTERM/SIGINT; its exit status."""
    server = MediaServer(media)
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stopping.set()
        server.terminate()

    # Before nginx starts: a stop that comes while it starts must stop it too, never leave it orphaned.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server.start()
    except MediaError:
        if not stopping.is_set():
            raise
        # Stopped while starting: nginx ended because we asked it to.
    if stopping.is_set():
        server.stop()
        return 0
    log.info("media server: web on port %d, RTMP on port %d, central behind on 127.0.0.1:%d",
             media.web_port, media.rtmp_port, media.central_port)
    code = server.wait()
    return 0 if stopping.is_set() and code in (0, -signal.SIGTERM) else code
