"""Print a test ticket and show the printer's status, with the ``[printer]`` section of a config file.

    python -m drivers.printer office.toml                    # prints a sample ticket
    python -m drivers.printer office.toml --status           # only the status
    python -m drivers.printer office.toml --simulated /tmp/t # write the sample to /tmp/t instead
"""

from __future__ import annotations

import argparse
import sys
import tomllib

from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.printer import PrinterConfig, PrinterError, load_printer_config, open_printer


def main(argv: list[str] | None = None) -> int:
    """Print a test ticket (``python -m drivers.printer office.toml``); return the exit status."""
    from drivers.printer.ticket import render_ticket, sample_view

    parser = argparse.ArgumentParser(
        prog="python -m drivers.printer", description="Print a test ticket and show the printer's status."
    )
    parser.add_argument("config", nargs="?", help="the office's TOML file (its [printer] section is used)")
    parser.add_argument("--status", action="store_true", help="only show the status, print nothing")
    parser.add_argument("--simulated", metavar="DIR", help="use the simulated printer writing to DIR")
    args = parser.parse_args(argv)
    try:
        config = load_printer_config(args.config) if args.config else PrinterConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        print(f"printer: bad configuration: {exc}", file=sys.stderr)
        return 2
    if args.simulated:
        config = config.model_copy(update={"backend": "simulated", "output_dir": args.simulated})
    try:
        printer = open_printer(config)
    except DeviceError as exc:
        print(exc, file=sys.stderr)
        return 1
    with printer:
        print(f"status: {printer.status()}")
        if args.status:
            return 0
        try:
            printer.print_ticket(render_ticket(sample_view(), printer.width_dots))
        except PrinterError as exc:
            print(exc, file=sys.stderr)
            return 1
        where = getattr(printer, "last_ticket", None) or config.where
        print(f"printed a test ticket ({printer.width_dots} dots wide) to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
