"""Try the camera: save a test snapshot, and optionally watch the stream in a browser.

    python -m drivers.camera office.toml                       # one snapshot with its [camera] section
    python -m drivers.camera office.toml --serve 8081          # ... then stream on http://<pi>:8081/
    python -m drivers.camera --simulated --snapshot-dir /tmp/snap --serve 8081

The camera is turned on for the test even when ``enabled = false``. See docs/camera.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.camera import MJPEG_CONTENT_TYPE, Camera, CameraConfig, load_camera_config, mjpeg_chunks, open_camera

log = logging.getLogger(__name__)


def serve(camera: Camera, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    """A small HTTP server showing the stream at ``/`` (for aiming the camera).

    Returns the server; call ``serve_forever()`` on it, ``shutdown()`` to stop.
    """
    page = (
        "<!doctype html><meta charset='utf-8'><title>Camera quầy</title>"
        "<body style='margin:0;background:#111'><img src='/stream.mjpg' style='width:100%'>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            elif self.path == "/stream.mjpg":
                self.send_response(200)
                self.send_header("Content-Type", MJPEG_CONTENT_TYPE)
                self.send_header("Cache-Control", "no-cache, private")
                self.end_headers()
                try:
                    for chunk in mjpeg_chunks(camera):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the viewer went away
                except DeviceError as exc:
                    log.warning("%s", exc)
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass  # no line per request on the technician's terminal

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    """Save a test snapshot, or serve the stream; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.camera",
        description="Test the counter camera: save a snapshot or watch the stream.",
    )
    parser.add_argument("config", nargs="?", help="the office's TOML file (its [camera] section is used)")
    parser.add_argument("--simulated", action="store_true", help="use the simulated camera")
    parser.add_argument("--snapshot-dir", metavar="DIR", help="save snapshots to DIR instead of snapshot_dir")
    parser.add_argument("--counter", type=int, default=1, help="counter number for the test snapshot (default 1)")
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve the stream on http://<pi>:PORT/")
    args = parser.parse_args(argv)
    try:
        config = load_camera_config(args.config) if args.config else CameraConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        print(f"camera: bad configuration: {exc}", file=sys.stderr)
        return 2
    update: dict[str, Any] = {"enabled": True}  # the test runs even when the kiosk does not use it
    if args.simulated:
        update["backend"] = "simulated"
    if args.snapshot_dir:
        update["snapshot_dir"] = args.snapshot_dir
    config = config.model_copy(update=update)
    try:
        camera = open_camera(config, [args.counter])
        assert camera is not None
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with camera:
        try:
            path = camera.snapshot(args.counter, "TEST", "start", datetime.now())
        except DeviceError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"saved a {config.width}x{config.height} test snapshot: {path}")
        if args.serve:
            server = serve(camera, args.serve)
            print(f"streaming on http://0.0.0.0:{args.serve}/ (Ctrl+C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
