"""Which input device is which scanner: :class:`ScannerInfo`, :func:`matches` and :func:`role_of` (pure).

A backend's lister describes every input device it sees as a
:class:`ScannerInfo` (its paths, name and USB id); the ``[scanner]`` section
and each ``[[counter_scanners]]`` entry pick a scanner by any of USB id, a
part of the name, or a path pattern.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from collections.abc import Sequence

from drivers.scanner.config import CounterScannerConfig, LayoutName, ScannerConfig


@dataclass(frozen=True)
class ScannerInfo:
    """An input device as a lister sees it.

    ``path`` is what the reader opens and the events name: the device's first
    ``/dev/input/by-id/`` link when it has one (stable when it is plugged in
    again), else its node. ``links`` are its other paths (node, by-path links).
    ``error`` says why it could not be identified (then ``name`` is "").
    """

    path: str
    name: str = ""
    vendor: int | None = None
    product: int | None = None
    links: tuple[str, ...] = ()
    error: str | None = None

    @property
    def usb_id(self) -> str | None:
        """``vendor:product`` in lower-case hex as lsusb shows it, or None when unknown."""
        if self.vendor is None or self.product is None:
            return None
        return f"{self.vendor:04x}:{self.product:04x}"

    def describe(self) -> str:
        """One line for a technician: name, USB id and path."""
        ident = f" [{self.usb_id}]" if self.usb_id else ""
        if self.name:
            what = repr(self.name)
        else:
            what = f"(unreadable: {self.error})" if self.error else "(no name)"
        return f"{what}{ident} at {self.path}"


def matches(config: ScannerConfig | CounterScannerConfig, info: ScannerInfo) -> bool:
    """Is ``info`` the scanner by ``config``'s USB ids, names or path patterns?"""
    if info.usb_id is not None and info.usb_id in config.usb_ids:
        return True
    name = info.name.casefold()
    if name and any(part.casefold() in name for part in config.names):
        return True
    paths = (info.path, *info.links)
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in config.devices for path in paths)


@dataclass(frozen=True)
class ScannerRole:
    """What a scanner is for: the ticket machine's (``counter`` None) or a counter's, and its keyboard layout."""

    counter: int | None
    layout: LayoutName


def role_of(
    info: ScannerInfo, machine: ScannerConfig | None, counter_scanners: Sequence[CounterScannerConfig]
) -> ScannerRole | None:
    """What the device ``info`` is for; None: no scanner of the config.

    A counter's scanner is looked for first (the first entry that matches
    wins), so that the ticket machine's broad default names never take it.
    """
    for entry in counter_scanners:
        if matches(entry, info):
            return ScannerRole(entry.counter, entry.layout)
    if machine is not None and matches(machine, info):
        return ScannerRole(None, machine.layout)
    return None
