"""python-escpos's printer-database cache, made safe before python-escpos is imported.

Standard library only: :func:`drivers.printer.open_printer` calls
:func:`prepare_capabilities_cache` just before it first imports the real
backend (and with it python-escpos); nothing is done at import time.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path


def prepare_capabilities_cache() -> None:
    """Give python-escpos a lasting cache folder for its printer database, and drop a damaged cache.

    Importing escpos parses its printer database (about 150 ms) and caches it as
    a pickle in ``ESCPOS_CAPABILITIES_PICKLE_DIR``, or else in a new temporary
    folder on every start (never reused). It writes the pickle in place: a
    power cut or a kill while writing leaves a truncated file, and every later
    import would fail. So a pickle that does not load is removed first (escpos
    then writes it again). The systemd unit sets the folder to /var/cache/kiosk;
    elsewhere it is the user's cache folder. Only useful before escpos is first
    imported in this process; harmless after.
    """
    folder = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if not folder:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kiosk"
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # escpos falls back to a temporary folder
        folder = os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)
    for cached in Path(folder).glob("*.capabilities.pickle"):
        try:
            with cached.open("rb") as file:
                pickle.load(file)
        except Exception:  # truncated or corrupt: escpos would fail to import
            cached.unlink(missing_ok=True)
