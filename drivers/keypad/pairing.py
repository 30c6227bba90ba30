"""Which keypad drives which counter: :class:`PairingStore`, a small JSON file.

The kiosk pairs a keypad when an officer types ``/ / PIN Enter counter Enter``
on it; ``kiosk pair --list`` / ``--reset`` read and clear the same file from
another process (:func:`list_pairings`, :func:`reset_pairings`).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from drivers.base import DeviceError, write_atomic

@dataclass(frozen=True)
class Pairing:
    """One keypad bound to one counter."""

    device: str
    counter: int
    paired_at: str  # local wall time, ISO 8601; informative only (the clock may not be set)


class PairingStore:
    """Keypad pairings in a small JSON file, written atomically (:func:`drivers.base.write_atomic`).

    Another process (``kiosk pair --reset``) may change the file while the kiosk
    runs: every read checks the file's stamp and reloads it when it changed.
    Thread-safe. A counter has at most one keypad: pairing a second one unpairs
    the first.
    """

    def __init__(self, path: Path, *, strict: bool = True) -> None:
        """``strict``: a damaged file is a DeviceError; otherwise it counts as empty."""
        self.path = Path(path)
        self._lock = threading.Lock()
        self._pairings: dict[str, Pairing] = {}
        self._stamp: tuple[int, int, int] | None = None
        with self._lock:
            try:
                self._refresh()
            except ValueError as exc:
                if not strict:
                    return
                raise DeviceError(
                    "keypads",
                    f"the pairing file {self.path} is damaged ({exc})",
                    "delete it (kiosk pair --reset) and pair the keypads again",
                ) from exc

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        pairings: dict[str, Pairing] = {}
        if stamp is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for item in data["keypads"]:
                    pairing = Pairing(str(item["device"]), int(item["counter"]), str(item.get("paired_at", "")))
                    pairings[pairing.device] = pairing
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(str(exc)) from exc
        self._pairings, self._stamp = pairings, stamp

    def _refresh_quietly(self) -> None:
        try:
            self._refresh()
        except ValueError:
            pass  # damaged by someone else while we run: keep what we had; our next write repairs it

    def _write(self, pairings: dict[str, Pairing]) -> None:
        """Save ``pairings`` and make them current; on OSError nothing changes."""
        data = {
            "version": 1,
            "keypads": [
                {"device": p.device, "counter": p.counter, "paired_at": p.paired_at}
                for p in sorted(pairings.values(), key=lambda p: p.counter)
            ],
        }
        # Readable by the kiosk group too (`kiosk pair --list` may run as another
        # user), as the kiosk service's UMask=0027 made it; nothing secret in it.
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=2), mode=0o640)
        self._pairings, self._stamp = pairings, self._file_stamp()

    def counter_for(self, device: str) -> int | None:
        """The counter ``device`` is paired to, or None."""
        with self._lock:
            self._refresh_quietly()
            pairing = self._pairings.get(device)
            return pairing.counter if pairing else None

    def devices(self) -> list[str]:
        """Every paired device path."""
        with self._lock:
            self._refresh_quietly()
            return list(self._pairings)

    def pair(self, device: str, counter: int) -> str | None:
        """Bind ``device`` to ``counter``; returns the device that had the counter before, if another."""
        with self._lock:
            self._refresh_quietly()
            previous = [p.device for p in self._pairings.values() if p.counter == counter and p.device != device]
            pairings = {d: p for d, p in self._pairings.items() if d not in previous}
            pairings[device] = Pairing(device, counter, datetime.now().isoformat(timespec="seconds"))
            self._write(pairings)
            return previous[0] if previous else None

    def list(self) -> list[Pairing]:
        """All pairings, by counter."""
        with self._lock:
            self._refresh_quietly()
            return sorted(self._pairings.values(), key=lambda p: p.counter)

    def reset(self) -> int:
        """Forget every pairing; returns how many there were."""
        with self._lock:
            self._refresh_quietly()
            count = len(self._pairings)
            self._write({})
            return count


def list_pairings(path: Path) -> list[Pairing]:
    """The pairings kept in ``path`` (for ``kiosk pair --list``)."""
    return PairingStore(path).list()


def reset_pairings(path: Path) -> int:
    """Forget all pairings in ``path`` (for ``kiosk pair --reset``); returns how many there were.

    Works on a damaged file too (it is replaced)."""
    return PairingStore(path, strict=False).reset()
