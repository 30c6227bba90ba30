"""The simulated printer: the real printer's bytes, written to files instead of sent.

It builds each ticket's bytes exactly as the real backend does
(:func:`drivers.printer.raster.ticket_bytes`) and, as its last hop, writes
``ticket-NNNN.bin`` (the bytes) and ``ticket-NNNN.png`` (the picture decoded
back from those bytes by :mod:`drivers.printer.decode`) to ``output_dir``. A
demo or a test can make it run out of paper, go offline and be refilled.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from drivers.base import DeviceError, write_atomic
from drivers.printer import raster
from drivers.printer.config import PrinterConfig
from drivers.printer.decode import decode
from drivers.printer.interface import DEVICE, Printer, PrinterError, PrinterState, PrinterStatus

_TICKET_FILE = re.compile(r"^ticket-(\d+)\.bin$")


class SimulatedPrinter(Printer):
    """Writes each ticket's bytes and decoded picture to ``output_dir``."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self.output_dir = Path(config.output_dir)
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceError(
                DEVICE,
                f"cannot create the simulated printer's output_dir {self.output_dir}: {exc.strerror}",
                "set [printer] output_dir to a folder the kiosk user may write",
            ) from None
        # Carry on numbering after files already there, so nothing is overwritten.
        numbers = [int(m.group(1)) for p in self.output_dir.iterdir() if (m := _TICKET_FILE.match(p.name))]
        self._next = max(numbers, default=0) + 1
        self._state = PrinterStatus.of(PrinterState.OK)
        self.last_ticket: Path | None = None  # the last .bin written

    # -- what a demo or test can make the printer do

    def simulate(self, state: PrinterState, message: str | None = None) -> None:
        """Put the simulated printer in ``state`` (paper out, offline, low paper, ok)."""
        with self._lock:
            self._state = PrinterStatus.of(state, message)

    def run_out_of_paper(self) -> None:
        """The roll runs out: tickets are refused until :meth:`refill_paper`."""
        self.simulate(PrinterState.PAPER_OUT)

    def refill_paper(self) -> None:
        """A new roll is put in (and the printer is back online)."""
        self.simulate(PrinterState.OK)

    # -- the interface

    def print_ticket(self, image: Image.Image) -> None:
        # Looked up through the module, so a benchmark can time this step
        # (bench/bench_office.py wraps raster.ticket_bytes).
        data = raster.ticket_bytes(image, self.width_dots, self.config.cut)
        with self._lock:
            self._check_open()
            if not self._state.can_print:
                raise PrinterError(self._state)
            stem = f"ticket-{self._next:04d}"
            binary = self.output_dir / f"{stem}.bin"
            picture = self.output_dir / f"{stem}.png"
            try:
                # Each file is written whole or not at all: a reader never
                # sees half a ticket.
                write_atomic(binary, data)
                png = io.BytesIO()
                decode(data).image().save(png, format="PNG")
                write_atomic(picture, png.getvalue())
            except OSError as exc:
                raise PrinterError(
                    PrinterStatus.of(
                        PrinterState.OFFLINE, f"the print failed midway: cannot write {binary}: {exc.strerror}"
                    ),
                    fix="check that output_dir exists and the disk is not full, then print the ticket again",
                ) from None
            self._next += 1
            self.last_ticket = binary

    def status(self) -> PrinterStatus:
        with self._lock:
            if self._closed:
                return PrinterStatus.of(PrinterState.OFFLINE, "the printer was closed")
            return self._state

    def close(self) -> None:
        with self._lock:
            self._closed = True
