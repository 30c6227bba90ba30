"""What the web pages may ask of an office: the contract between :mod:`kiosk.web` and :class:`kiosk.app.Office`.

The real office implements it, and so does the web tests' fake
(``tests/web/fakes.py``); the pages use nothing else of either.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from kiosk.commands import Command
from kiosk.config import Config
from kiosk.view import OfficeView


@runtime_checkable
class SimulationForPages(Protocol):
    """The simulated devices, driven from the ``/sim`` panel (simulate mode only)."""

    def press_service(self, service_id: str, priority: bool = False, group: str | None = None) -> Any:
        """Press a service's button (after the priority button when ``priority``, after the button of
        priority group ``group`` when one is given).

        The real simulation returns a ``kiosk.simulation.PressOutcome`` (the number issued, or why none
        was) or None when the office did not answer in time; a fake may return None, or raise the
        engine's DomainError for a refusal.
        """

    def press_rating(self, counter: int, level: int) -> None:
        """Press rating button ``level`` (1 = best) at ``counter``."""

    def type_keys(self, counter: int, keys: str) -> None:
        """Type on the counter's keypad: digits . - + * / and "E" for Enter."""

    def scan(self, code: str) -> None:
        """Type ``code`` on the simulated card scanner (a CCCD's QR text, or anything else), then Enter."""

    def scan_at_counter(self, counter: int, code: str) -> None:
        """Type ``code`` on the simulated scanner of ``counter`` (a dossier code, or anything), then Enter.

        LookupError when the counter has no scanner.
        """

    def set_paper(self, present: bool) -> None:
        """Run the printer out of paper, or refill it."""

    def last_ticket_png(self) -> bytes | None:
        """The last printed ticket, as a PNG."""

    def board_png(self) -> bytes:
        """The board's current frame, as a PNG."""

    def last_announcement_wav(self) -> bytes | None:
        """The last announcement, as a WAV."""


@runtime_checkable
class OfficeForPages(Protocol):
    """An office as the pages see it: its config, its live view, its camera, and commands to submit."""

    config: Config
    camera: Any  # a drivers.camera.Camera, or None without one
    simulation: SimulationForPages | None

    def submit(self, command: Command, timeout: float = 5.0) -> list[Any]:
        """Run ``command``; return its stored events. Raises DomainError when refused, TimeoutError."""

    def view(self) -> OfficeView:
        """The latest snapshot of the office."""

    def wait_for_change(self, version: int, timeout: float) -> OfficeView:
        """Block until the view is newer than ``version`` (or ``timeout``); return the latest."""
