"""What every benchmark script shares: the machine's description and percentiles."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine(extra: str = "") -> str:
    """One line naming this machine: CPU model and count, OS, Python (and ``extra``)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = (f"{cpu} x{os.cpu_count()} | {platform.system()} {platform.release()} | "
            f"Python {platform.python_version()}")
    return f"{text} | {extra}" if extra else text


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))]
