"""The printer worker: tickets are printed in their own thread.

A slow or jammed printer must never delay a call at a counter, so the engine
thread only queues a print job and goes on. The worker renders the ticket
image, sends it, and reports the outcome (and any change of the printer's
status) back to the engine thread through the office's inbox.

No number is issued that the printer cannot print: before a press gets a
number, the engine thread asks the worker (:meth:`PrintWorker.check_press`)
and goes on; the worker reads the printer's status afresh, ahead of any queued
ticket, and answers with :class:`PressChecked` through the office's inbox.
Only then is the number committed. A press waits at most for the ticket being
printed; a call never waits for the printer at all.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from drivers.printer import Printer, PrinterError, PrinterState, PrinterStatus
from drivers.printer.ticket import TicketView, render_ticket
from kiosk.config import Config
from kiosk.estimate import wait_range
from kiosk.personal import Person
from kiosk.state import Ticket

log = logging.getLogger(__name__)

#: How often an idle worker asks the printer for its status (paper refilled?).
STATUS_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class PrintJob:
    """Print this ticket."""

    ticket_id: str
    view: TicketView


@dataclass(frozen=True)
class Printed:
    """Posted to the office: how a print job went."""

    ticket_id: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class PrinterReport:
    """Posted to the office when the printer's status changes."""

    status: PrinterStatus


@dataclass(frozen=True)
class PressChecked:
    """The answer to a press: the printer's status read just now (issue a number only if it can print)."""

    service_id: str
    priority: bool
    status: PrinterStatus
    group: str | None = None


@dataclass(frozen=True)
class _PressCheck:
    """A citizen's press waiting for the printer's word, and where the answer goes."""

    service_id: str
    priority: bool
    reply: Callable[[PressChecked], None]
    group: str | None = None


# The worker's queue takes press checks before print jobs (a number should not
# wait for other citizens' tickets to print), and the stop mark after both.
_CHECK, _JOB, _STOP = 0, 1, 2


def ticket_view(config: Config, ticket: Ticket, person: Person | None = None) -> TicketView:
    """What the ticket of ``ticket`` shows; the QR code opens its public page on the central server.

    A named ticket (``person``) prints the name (unless ``[names] ticket`` is false) and the
    personal-data notice; a ticket with a priority group prints the group's name. Every ticket
    prints ``[camera] recording_notice`` while the camera is on.
    """
    server = config.sync.server_url if config.sync is not None else None
    qr_url = f"{server.rstrip('/')}/t/{ticket.id}" if server else None
    service = config.service(ticket.service)
    languages = tuple(config.site.languages.ticket)
    group = next((g for g in config.priority_groups if g.id == ticket.grp), None)
    recording_vi, recording_en = (config.camera and config.camera.notice_shown) or ("", "")
    return TicketView(
        unit_name_vi=config.site.unit_name.vi,
        unit_name_en=config.site.unit_name.en,
        service_name_vi=service.name.vi,
        service_name_en=service.name.en,
        number=ticket.display,
        priority=ticket.priority,
        people_ahead=ticket.ahead,
        wait_minutes=ticket.wait_minutes,
        wait_range=wait_range(ticket.wait_minutes),  # the same words as the QR page's
        issued_at=datetime.fromisoformat(ticket.issued_at).astimezone(config.site.tz),
        qr_url=qr_url,
        hotline=config.site.hotline,
        languages=languages,
        citizen_name=person.name if person is not None and config.names.ticket else None,
        group_vi=group.name.vi if group else None,
        group_en=group.name.en if group else None,
        notice_vi=config.names.notice.vi if person is not None else "",
        notice_en=(config.names.notice.en or "") if person is not None else "",
        recording_vi=recording_vi,
        recording_en=recording_en,
    )


class PrintWorker:
    """One thread that owns the printer."""

    def __init__(self, printer: Printer, post: Callable[[object], None]) -> None:
        self.printer = printer
        self.post = post
        # (rank, order, item): checks first, then jobs, each in the order given.
        self.jobs: queue.PriorityQueue[tuple[int, int, _PressCheck | PrintJob | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._status: PrinterStatus | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="printer", daemon=True)

    def start(self) -> None:
        """Read the printer's status once (so the first press knows it), then start the thread."""
        self._check_status()
        self._thread.start()

    @property
    def status(self) -> PrinterStatus | None:
        """The last status read (thread-safe)."""
        with self._lock:
            return self._status

    def submit(self, job: PrintJob) -> None:
        """Queue a ticket; returns at once."""
        self.jobs.put((_JOB, next(self._order), job))

    def check_press(
        self, service_id: str, priority: bool, reply: Callable[[PressChecked], None], group: str | None = None
    ) -> None:
        """Read the printer's status afresh for a press and ``reply`` with :class:`PressChecked` (from the
        worker's thread); returns at once."""
        self.jobs.put((_CHECK, next(self._order), _PressCheck(service_id, priority, reply, group)))

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the ticket being printed (and any queued), then stop."""
        self.jobs.put((_STOP, next(self._order), None))
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                _, _, item = self.jobs.get(timeout=STATUS_POLL_SECONDS)
            except queue.Empty:
                self._check_status()
                continue
            if item is None:
                return
            if isinstance(item, _PressCheck):
                status = self._check_status()  # posts a PrinterReport first if the state changed
                item.reply(PressChecked(item.service_id, item.priority, status, item.group))
                continue
            self._print(item)

    def _print(self, job: PrintJob) -> None:
        try:
            image = render_ticket(job.view, self.printer.width_dots)
            self.printer.print_ticket(image)
        except PrinterError as exc:
            log.warning("ticket not printed", extra={"ticket_id": job.ticket_id, "reason": str(exc)})
            self.post(Printed(job.ticket_id, False, exc.status.message))
            self._set_status(exc.status)
            return
        except Exception as exc:  # a driver bug must not kill the worker
            log.exception("ticket not printed", extra={"ticket_id": job.ticket_id})
            self.post(Printed(job.ticket_id, False, str(exc)))
            self._check_status()
            return
        self.post(Printed(job.ticket_id, True))
        self._check_status()

    def _check_status(self) -> PrinterStatus:
        try:
            status = self.printer.status()
        except Exception as exc:
            status = PrinterStatus(PrinterState.OFFLINE, f"cannot read the printer's status: {exc}")
        self._set_status(status)
        return status

    def _set_status(self, status: PrinterStatus) -> None:
        with self._lock:
            changed = self._status is None or self._status.state != status.state
            self._status = status
        if changed:
            self.post(PrinterReport(status))
