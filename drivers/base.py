"""What every driver shares: the error type, the backend names, and small helpers
(NFC text, atomic file writes, running a helper program with a timeout).

Standard library only: the config modules and the engine import it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Literal

#: ``real`` drives the hardware; ``simulated`` runs on any Linux machine and
#: differs from ``real`` only in the last hop (it writes files instead).
Backend = Literal["real", "simulated"]


class DeviceError(Exception):
    """A device is missing, unplugged or misbehaving.

    The message is for a technician: it says what is wrong and how to fix it,
    e.g. ``printer: no USB device 0416:5011 found; check the cable and the
    vendor_id/product_id in [printer]``.
    """

    def __init__(self, device: str, problem: str, fix: str = "") -> None:
        self.device = device
        self.problem = problem
        self.fix = fix
        text = f"{device}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


def shipped_dir(name: str) -> Path:
    """A folder shipped with the kiosk (``sounds``, ``config``).

    In a checkout it sits beside the packages; an installed kiosk has it under
    ``<prefix>/share/kiosk/`` (setup.py's data_files).
    """
    beside = Path(__file__).resolve().parent.parent / name
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "kiosk" / name


def nfc(text: str) -> str:
    """``text`` NFC-normalised: every text the kiosk stores, shows or speaks is NFC."""
    return unicodedata.normalize("NFC", text)


def nfc_all(value: Any) -> Any:
    """NFC-normalise every string inside ``value``, dicts and lists included."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc_all(k): nfc_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_all(v) for v in value]
    return value


def write_atomic(path: str | Path, data: bytes | str, mode: int | None = None, folder_owner: bool = False) -> Path:
    """Replace ``path`` with ``data`` so that a power cut leaves the old file or the new, never half of one.

    The data goes to a temporary file in the same folder, is synced, given
    ``mode`` (before it holds anything, for secrets), renamed over ``path``,
    and the folder is synced so the rename itself survives. With
    ``folder_owner``, a file written by root is given to the folder's owner
    (``sudo kiosk ...`` writing a file the kiosk's user must read).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if folder_owner and os.geteuid() == 0:
            folder = path.parent.stat()
            os.chown(tmp, folder.st_uid, folder.st_gid)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def run_tool(
    device: str, command: list[str], *, timeout: float, input: bytes | None = None,
    missing_fix: str = "", timeout_fix: str = "",
) -> subprocess.CompletedProcess[bytes]:
    """Run a helper program (espeak-ng, aplay, ...) for ``device``; return it whatever its exit status.

    A program that is not installed or does not finish within ``timeout``
    seconds raises :class:`DeviceError` naming the fix (``subprocess.run``
    kills the child on timeout, so a hung program cannot hold the caller).
    """
    try:
        return subprocess.run(command, input=input, capture_output=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise DeviceError(device, f"{command[0]} not found", missing_fix) from exc
    except subprocess.TimeoutExpired as exc:
        raise DeviceError(device, f"{Path(command[0]).name} did not finish within {timeout:.0f} s", timeout_fix) from exc


def last_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The last line a failed helper program wrote to stderr, or its exit status."""
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"
