"""The input drivers' technician's check: ``python -m drivers.<driver> CONFIG.toml [seconds]``.

The keypads' and the scanner's checks (:mod:`drivers.keypad.__main__`,
:mod:`drivers.scanner.__main__`) read their arguments and their config section
alike (:func:`check_args`), then watch alike (:func:`watch`): print what the
driver knows of its devices, start the service, which prints every event it
posts, for the given seconds, and close it. Stop the kiosk service first: it
grabs the devices.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from drivers.section import Section, load_section

S = TypeVar("S", bound=Section)


class Watched(Protocol):
    """What :func:`watch` needs of a driver's service (opened with ``start=False``)."""

    def start(self) -> None: ...
    def close(self) -> None: ...


def check_args(driver: str, argv: list[str] | None, section: str, model: type[S]) -> tuple[S, float] | None:
    """The ``[section]`` of the config file and the seconds (60 by default) of
    ``python -m drivers.<driver> CONFIG.toml [seconds]``.

    None, after printing the usage, when no config file is given. Raises what
    :func:`~drivers.section.load_section` raises for a bad file.
    """
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(f"usage: python -m drivers.{driver} CONFIG.toml [seconds]")
        return None
    config = load_section(args[0], section, model)
    return config, float(args[1]) if len(args) > 1 else 60.0


def watch(service: Watched, seconds: float, lines: Callable[[], Iterable[str]]) -> int:
    """Print ``lines()`` (what the driver sees, then what to do), then run ``service`` for ``seconds``.

    The service prints what it posts; it is closed however the check ends
    (Ctrl+C included). Returns the exit status, 0.
    """
    try:
        for line in lines():
            print(line, flush=True)
        service.start()
        time.sleep(seconds)
    finally:
        service.close()
    return 0
