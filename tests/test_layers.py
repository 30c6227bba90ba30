"""The layers of docs/architecture.md hold: the import-linter contracts, and what the engine loads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEVICE_LIBRARIES = {"pygame", "escpos", "PIL", "evdev", "httpx", "usb", "serial", "segno", "gpiozero", "picamera2"}


def test_the_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a test dependency (setup.py extras 'test')"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_importing_the_engine_loads_no_device_library_and_prepares_nothing(tmp_path):
    code = (
        "import os, sys; before = dict(os.environ); import kiosk.engine; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & %r)); print(dict(os.environ) == before)"
        % DEVICE_LIBRARIES
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "True"]
    assert list(tmp_path.iterdir()) == []  # no cache folder made in $HOME


def test_importing_the_device_packages_loads_no_device_library():
    code = (
        "import sys, drivers.board, drivers.buttons, drivers.camera, drivers.keypad, drivers.printer, "
        "drivers.speaker, kiosk.config; print(sorted({m.split('.')[0] for m in sys.modules} & %r))"
        % DEVICE_LIBRARIES
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
