"""Snapshot files: their names, saving one, and deleting the old ones.

A snapshot is a frame of the stream saved as
``snapshot_dir/YYYY-MM-DD/2026-11-24_08-15-02_quay3_1005_start.jpg``. The
purge deletes only files with such a name inside such a day folder, so nothing
a technician puts in the folder (or links to from it) is ever deleted.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Literal

from drivers.base import DeviceError, write_atomic
from drivers.camera.config import DEVICE

log = logging.getLogger(__name__)

SnapshotKind = Literal["start", "complete"]
KINDS: tuple[str, ...] = ("start", "complete")

# 2026-11-24_08-15-02_quay3_1005_start.jpg (and -2, -3 ... when a name is taken)
_NAME = r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_quay\d+_[A-Za-z0-9-]+_(start|complete)(-\d+)?\.jpg"
_SNAPSHOT_NAME = re.compile(f"^{_NAME}$")
# What write_atomic leaves of a snapshot when the power goes mid-write: .<name>.<random>.tmp
_LEFTOVER_NAME = re.compile(rf"^\.{_NAME}\.\w+\.tmp$")
_DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _ticket_slug(ticket_display: str) -> str:
    """The ticket as it appears in a file name: ASCII letters, digits and '-'."""
    text = unicodedata.normalize("NFKD", ticket_display)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # "Đ" has no decomposition
    text = text.replace("Đ", "D").replace("đ", "d")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text[:32]


def snapshot_name(counter: int, ticket_display: str, kind: str, now: datetime) -> str:
    """The file name of a snapshot, e.g. ``2026-11-24_08-15-02_quay3_1005_start.jpg``.

    ``now`` is written as given (the office's local time, as the app's clock
    gives it). Raises ValueError for a bad counter, ticket or kind.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be 'start' or 'complete', not {kind!r}")
    if counter < 1:
        raise ValueError(f"counter must be 1 or more, not {counter}")
    slug = _ticket_slug(ticket_display)
    if not slug:
        raise ValueError(f"ticket {ticket_display!r} has no letter or digit to name a file with")
    return f"{now:%Y-%m-%d_%H-%M-%S}_quay{counter}_{slug}_{kind}.jpg"


def save_snapshot(snapshot_dir: Path, name: str, now: datetime, jpeg: bytes) -> Path:
    """Write ``jpeg`` as ``snapshot_dir/YYYY-MM-DD/name`` and return its path.

    ``-2``, ``-3`` ... is added to the name if it is taken: nothing is ever
    overwritten. The caller serialises calls (:class:`Camera` holds its lock),
    so two threads never pick the same free name. Raises :class:`DeviceError`
    if the file cannot be written.
    """
    folder = snapshot_dir / f"{now:%Y-%m-%d}"
    try:
        return write_atomic(_free_path(folder, name), jpeg)
    except OSError as exc:
        raise DeviceError(
            DEVICE,
            f"cannot save a snapshot in {folder}: {exc.strerror or exc}",
            f"check that the disk is not full and that the kiosk's user may write to {snapshot_dir}",
        ) from exc


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/name-2.jpg``, ``-3`` ... if that is taken (by anything, links too)."""
    stem = name[: -len(".jpg")]
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}.jpg")
        if not os.path.lexists(path):
            return path
    raise OSError(f"too many snapshots named {name}")


def purge_snapshots(snapshot_dir: Path, before: datetime) -> int:
    """Delete the snapshots in ``snapshot_dir`` last written before ``before``; return how many.

    Only snapshot files (by their name) inside day folders of the snapshot
    folder are deleted, by their modification time; other files, symbolic
    links and anything outside are left alone. Day folders left empty are
    removed. Leftovers of a snapshot whose writing a power cut interrupted
    are deleted too (not counted): they hold a picture of a citizen as well.
    """
    cutoff = before.timestamp()
    deleted = 0
    try:
        days = list(os.scandir(snapshot_dir))
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("camera: cannot list %s: %s", snapshot_dir, exc)
        return 0
    for day in days:
        # is_dir(follow_symlinks=False): a linked folder may point anywhere.
        if not _DAY_FOLDER.match(day.name) or not day.is_dir(follow_symlinks=False):
            continue
        try:
            entries = list(os.scandir(day.path))
        except OSError as exc:
            log.warning("camera: cannot list %s: %s", day.path, exc)
            continue
        for entry in entries:
            snapshot = bool(_SNAPSHOT_NAME.match(entry.name))
            if not snapshot and not _LEFTOVER_NAME.match(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
                    continue
                os.unlink(entry.path)
                deleted += snapshot
            except OSError as exc:
                log.warning("camera: cannot delete %s: %s", entry.path, exc)
        try:
            os.rmdir(day.path)  # only succeeds when the folder is empty
        except OSError:
            pass
    return deleted
