"""The recordings: retention, and playback playlists of a time range.

nginx's ``rec`` app writes ``<record_dir>/<device_id>/<start>.ts``, ``<start>`` being the
fragment's start in milliseconds since the epoch (``hls_fragment_naming system``), about
:data:`central.media.nginx.RECORD_FRAGMENT_S` seconds each. The file names are the index: no
database row per fragment.

:func:`enforce` (every minute, by the media server) deletes fragments older than
``record_days`` days, then the oldest of all devices until the folder is within
``record_quota_gb`` (never a device's newest fragment: nginx may be writing it).
:func:`spans` lists what was recorded in a time range and :func:`playlist` makes an HLS
VOD playlist of it, each fragment's duration the distance to the next one's start (or
nginx's exact length where its ``index.m3u8`` still lists the fragment).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from central.media.nginx import RECORD_FRAGMENT_S
from central.settings import Media

_FRAGMENT = re.compile(r"^(\d{10,16})\.ts$")
#: A fragment further than this from the previous one's start begins a new span (a stream stopped).
GAP_S = 3 * RECORD_FRAGMENT_S


@dataclass(frozen=True)
class Fragment:
    """One recorded fragment: its file and start (ms since the epoch)."""

    path: Path
    start_ms: int
    size: int


@dataclass
class Removed:
    """What one retention run deleted."""

    files: int = 0
    bytes: int = 0


def fragments(device_dir: Path) -> list[Fragment]:
    """The fragments of one device's folder, oldest first (files not named by nginx are ignored)."""
    found: list[Fragment] = []
    try:
        entries = list(device_dir.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = _FRAGMENT.match(entry.name)
        if m is None:
            continue
        try:
            size = entry.stat().st_size
        except OSError:
            continue  # deleted meanwhile
        found.append(Fragment(entry, int(m.group(1)), size))
    found.sort(key=lambda f: f.start_ms)
    return found


def enforce(media: Media, now: float | None = None) -> Removed:
    """Delete fragments older than ``record_days``, then the oldest until within the quota."""
    root = Path(media.record_dir)
    removed = Removed()
    try:
        devices = [d for d in root.iterdir() if d.is_dir()]
    except OSError:
        return removed
    per_device = [fragments(d) for d in devices]
    total = sum(f.size for frags in per_device for f in frags)
    # A device's newest fragment may be open in nginx: deleting it would free nothing until it is closed.
    every = sorted((f for frags in per_device for f in frags[:-1]), key=lambda f: f.start_ms)
    oldest_kept_ms = int(((now if now is not None else time.time()) - media.record_days * 86_400) * 1000)
    quota = int(media.record_quota_gb * 1024**3)
    for f in every:
        if f.start_ms >= oldest_kept_ms and total <= quota:
            break
        try:
            f.path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue
        removed.files += 1
        removed.bytes += f.size
        total -= f.size
    return removed


def _listed(device_dir: Path) -> dict[str, float]:
    """The exact lengths nginx wrote in the device's ``index.m3u8`` (its last minute of closed fragments)."""
    try:
        text = (device_dir / "index.m3u8").read_text(encoding="ascii", errors="replace")
    except OSError:
        return {}
    found: dict[str, float] = {}
    length: float | None = None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            try:
                length = float(line[8:].split(",", 1)[0])
            except ValueError:
                length = None
        elif line and not line.startswith("#") and length is not None:
            found[line.strip()] = length
            length = None
    return found


def _closed(device_dir: Path) -> tuple[list[Fragment], dict[str, float]]:
    """The device's fragments but the one nginx may still be writing, and nginx's exact lengths."""
    frags = fragments(device_dir)
    listed = _listed(device_dir)
    if frags and frags[-1].path.name not in listed:
        frags = frags[:-1]
    return frags, listed


def _duration_s(frags: list[Fragment], i: int) -> float | None:
    """Fragment ``i``'s length: up to the next one's start; None when it ends a span."""
    if i + 1 < len(frags):
        gap = (frags[i + 1].start_ms - frags[i].start_ms) / 1000
        if 0 < gap <= GAP_S:
            return gap
    return None


def spans(device_dir: Path, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """The recorded spans (start, end in ms) of the fragments starting in ``[start_ms, end_ms)``."""
    frags, listed = _closed(device_dir)
    out: list[tuple[int, int]] = []
    for i, f in enumerate(frags):
        if not start_ms <= f.start_ms < end_ms:
            continue
        length = listed.get(f.path.name) or _duration_s(frags, i)
        end = f.start_ms + int((length or RECORD_FRAGMENT_S) * 1000)
        if out and f.start_ms - out[-1][1] <= GAP_S * 1000:
            out[-1] = (out[-1][0], end)
        else:
            out.append((f.start_ms, end))
    return out


def playlist(device_dir: Path, url_prefix: str, start_ms: int, end_ms: int) -> str | None:
    """An HLS VOD playlist of the fragments overlapping ``[start_ms, end_ms)``; None if there is none.

    ``url_prefix`` is the fragments' URL folder (``/media/rec/<device_id>/``). A jump between
    spans is marked ``#EXT-X-DISCONTINUITY``. A fragment's length is nginx's own (its ``index.m3u8``
    lists the last minute's), else the distance to the next one's start; the newest fragment is left
    out while nginx has not listed it (it may still be being written).
    """
    frags, listed = _closed(device_dir)
    lines: list[str] = []
    longest = 1.0
    previous_end: int | None = None
    for i, f in enumerate(frags):
        length = listed.get(f.path.name) or _duration_s(frags, i) or float(RECORD_FRAGMENT_S)
        if f.start_ms + length * 1000 <= start_ms or f.start_ms >= end_ms:
            continue
        if previous_end is not None and f.start_ms - previous_end > GAP_S * 1000:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{length:.3f},")
        lines.append(f"{url_prefix}{f.path.name}")
        longest = max(longest, length)
        previous_end = f.start_ms + int(length * 1000)
    if not lines:
        return None
    head = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-PLAYLIST-TYPE:VOD", f"#EXT-X-TARGETDURATION:{int(longest + 0.999)}",
            "#EXT-X-MEDIA-SEQUENCE:0"]
    return "\n".join(head + lines + ["#EXT-X-ENDLIST", ""])
