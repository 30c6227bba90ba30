"""The thermal ticket printer (ESC/POS): its config, its interface and the factory.

A ticket is one image drawn by :mod:`drivers.printer.ticket`, turned into
``GS v 0`` raster bands and a cut by :mod:`drivers.printer.raster` (the bytes
both backends share), then sent on by one of two backends:

- ``real`` (:mod:`drivers.printer.escpos_backend`): python-escpos over USB, a
  serial port, the network or a device file; asks the printer for its paper and
  online state where the connection can read;
- ``simulated`` (:mod:`drivers.printer.simulated`): writes ``ticket-NNNN.bin``
  (the bytes) and ``ticket-NNNN.png`` (the picture decoded back from them by
  :mod:`drivers.printer.decode`) to ``output_dir``.

Printing happens on the app's printer worker thread; every method takes a lock,
so a status check from another thread is safe. Nothing retries or waits for a
person: a problem is raised at once as :class:`PrinterError`.

Importing this package loads neither Pillow nor python-escpos: the backends are
imported by :func:`open_printer`. ``python -m drivers.printer office.toml``
prints a test ticket (see :mod:`drivers.printer.__main__`). See docs/printer.md.
"""

from __future__ import annotations

from drivers.printer.config import DOTS_FOR_PAPER_MM, PrinterConfig, load_printer_config
from drivers.printer.interface import Printer, PrinterError, PrinterState, PrinterStatus

__all__ = [
    "DOTS_FOR_PAPER_MM",
    "Printer",
    "PrinterConfig",
    "PrinterError",
    "PrinterState",
    "PrinterStatus",
    "load_printer_config",
    "open_printer",
]


def open_printer(config: PrinterConfig) -> Printer:
    """Open the printer the config describes.

    Raises :class:`drivers.base.DeviceError` with the fix when a real printer
    cannot be reached; never falls back to the simulated one.
    """
    if config.backend == "simulated":
        from drivers.printer.simulated import SimulatedPrinter

        return SimulatedPrinter(config)
    # Before python-escpos is first imported (by the real backend): importing
    # it reads, and may write, its cache.
    from drivers.printer.escpos_cache import prepare_capabilities_cache

    prepare_capabilities_cache()
    from drivers.printer.escpos_backend import RealPrinter

    return RealPrinter(config)
