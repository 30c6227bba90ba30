"""The real backend: a USB barcode scanner as an evdev input device under ``/dev/input``.

The only module of the scanner driver that imports python-evdev. It gives the
service its last hop: the lister (:class:`EvdevLister`: every ``event*`` node
with its ``by-id``/``by-path`` links, name and USB id, read with
``evdev.InputDevice``) and the opener (``evdev.InputDevice``, which the reader
grabs, reads and closes). python-evdev is imported when the backend opens, so
a missing one is a :class:`~drivers.base.DeviceError` naming the fix.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from types import ModuleType

from drivers.base import DeviceError
from drivers.scanner.config import ScannerConfig
from drivers.scanner.matching import ScannerInfo
from drivers.scanner.service import Lister, Opener

_Identity = tuple[str, int | None, int | None, str | None]  # name, vendor, product, error


class EvdevLister:
    """Describes every input device; a node is opened to read its name only when it is new or was replaced."""

    def __init__(
        self, evdev: ModuleType, config: ScannerConfig, input_dir: str = "/dev/input", patterns: Sequence[str] | None = None
    ) -> None:
        """``patterns``: the device path patterns to glob (default: ``config.devices``; the counters' scanners' too)."""
        self._evdev = evdev
        self._patterns = list(config.devices if patterns is None else patterns)
        self._dir = input_dir
        self._cache: dict[str, tuple[tuple[int, int, int], _Identity]] = {}

    def __call__(self) -> list[ScannerInfo]:
        links: dict[str, set[str]] = {os.path.realpath(n): set() for n in glob.glob(f"{self._dir}/event*")}
        for folder in ("by-id", "by-path"):
            for link in glob.glob(f"{self._dir}/{folder}/*"):
                real = os.path.realpath(link)
                if real in links:
                    links[real].add(link)
        for pattern in self._patterns:  # a pattern may name a node outside /dev/input/event*
            for path in glob.glob(pattern):
                links.setdefault(os.path.realpath(path), set()).add(path)
        infos = []
        for node, paths in sorted(links.items()):
            identity = self._identify(node)
            if identity is None:
                continue  # gone since the glob
            by_id = sorted((p for p in paths if "/by-id/" in p), key=lambda p: (not p.endswith("-event-kbd"), p))
            path = by_id[0] if by_id else node
            others = tuple(sorted((paths | {node}) - {path}))
            name, vendor, product, error = identity
            infos.append(ScannerInfo(path, name, vendor, product, others, error))
        return infos

    def _identify(self, node: str) -> _Identity | None:
        try:
            st = os.stat(node)
        except OSError:
            return None
        key = (st.st_ino, st.st_ctime_ns, st.st_rdev)  # a node made again for a device plugged in again differs
        cached = self._cache.get(node)
        if cached is not None and cached[0] == key:
            return cached[1]
        identity: _Identity
        try:
            device = self._evdev.InputDevice(node)
            try:
                identity = (device.name, device.info.vendor, device.info.product, None)
            finally:
                device.close()
        except PermissionError:
            identity = ("", None, None, "permission denied")
        except OSError as exc:
            identity = ("", None, None, exc.strerror or str(exc))
        self._cache[node] = (key, identity)
        return identity


def evdev_backend(
    config: ScannerConfig, input_dir: str = "/dev/input", patterns: Sequence[str] | None = None
) -> tuple[Lister, Opener]:
    """The lister and the opener of the real input devices (``patterns``: see :class:`EvdevLister`).

    Raises DeviceError when python-evdev is missing or the machine has no ``/dev/input``.
    """
    try:
        import evdev
    except ImportError as exc:
        raise DeviceError(
            "scanner", f"python-evdev is not installed ({exc})", "pip install evdev (or apt install python3-evdev)"
        ) from exc
    if not os.path.isdir(input_dir):
        raise DeviceError(
            "scanner", f"this machine has no {input_dir}", 'run on the Pi, or set backend = "simulated" in [scanner]'
        )
    return EvdevLister(evdev, config, input_dir, patterns), evdev.InputDevice
