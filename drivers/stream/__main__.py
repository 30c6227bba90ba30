"""Push the camera and microphone to central from the command line, as the kiosk does, until Ctrl+C (or SIGTERM).

    python -m drivers.stream office.toml --central https://central.example.gov.vn --token-file token.json
    python -m drivers.stream --simulated --central http://127.0.0.1:8080 --token-file token.json --seconds 60

It uses the ``[camera]`` and ``[stream]`` sections of the config file (defaults
without one) and asks central for publish URLs with the kiosk's token file, so a
technician can try the stream without the kiosk, and a demo can run several
simulated offices. The camera is turned on for the test. See docs/camera.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import tomllib
from pathlib import Path

from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.camera import CameraConfig, load_camera_config, open_camera
from drivers.stream.config import StreamConfig, load_stream_config
from drivers.stream.keys import CentralKeys
from drivers.stream.publisher import open_publisher
from drivers.stream.settings import EncoderSettings


def main(argv: list[str] | None = None) -> int:
    """Publish until Ctrl+C or ``--seconds``; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m drivers.stream", description="Push the camera to central.")
    parser.add_argument("config", nargs="?", help="the office's TOML file (its [camera] and [stream] sections)")
    parser.add_argument("--central", required=True, help="central's address, as [sync] server_url")
    parser.add_argument("--token-file", required=True, help="the kiosk's token file (written by kiosk enroll)")
    parser.add_argument("--ca-file", help="the CA of central's certificate, as [sync] ca_file")
    parser.add_argument("--simulated", action="store_true", help="simulated camera and microphone")
    parser.add_argument("--counter", type=int, default=1, help="counter number drawn on simulated frames")
    parser.add_argument("--seconds", type=float, help="stop after this many seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        camera_config = load_camera_config(args.config) if args.config else CameraConfig()
        stream = load_stream_config(args.config) if args.config else StreamConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        print(f"stream: bad configuration: {exc}", file=sys.stderr)
        return 2
    update: dict[str, object] = {"enabled": True}
    if args.simulated:
        update["backend"] = "simulated"
    camera_config = camera_config.model_copy(update=update)

    def token() -> str:
        return str(json.loads(Path(args.token_file).read_text())["token"])

    verify: object = True
    if args.ca_file:
        import ssl

        verify = ssl.create_default_context(cafile=args.ca_file)
    keys = CentralKeys(args.central, token, verify)  # type: ignore[arg-type]
    try:
        camera = open_camera(camera_config, [args.counter])
        assert camera is not None
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with camera:
        try:
            publisher = open_publisher(stream, camera, keys, camera_config.backend,
                                       EncoderSettings.of(stream, camera_config))
        except DeviceError as exc:
            print(exc, file=sys.stderr)
            return 1
        publisher.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a service manager's stop ends the push cleanly too
        deadline = time.monotonic() + args.seconds if args.seconds else None
        try:
            while not stop.wait(1):
                if deadline is not None and time.monotonic() >= deadline:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            status = publisher.status()
            publisher.stop()
        print(f"stream: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
