"""The office's configuration at boot: image defaults, the SD card's kiosk.toml, the last good one.

On a Raspberry Pi the technician edits ``kiosk.toml`` on the card's FAT boot
partition (``/boot/firmware/kiosk.toml``) from a laptop. At every start the
kiosk reads the image's defaults (``/etc/kiosk/kiosk.toml``) and lays the boot
file over them: tables merge key by key, anything else (a list of
``[[services]]``, a value) is replaced. The result is validated; a valid one is
kept as the *last good* configuration. A bad or missing boot file never bricks
an office: the kiosk runs on the last good configuration and the board shows
the exact error; with no good configuration at all it shows the error and
issues no tickets.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import write_atomic
from kiosk.config import Config, ConfigError, Problem, parse_config, resolve_paths


@dataclass(frozen=True)
class Loaded:
    """What start-up found: the configuration to run and, if the boot file was refused, why."""

    config: Config | None
    problem: str | None  # the first problems, for the board; None when the boot file was good
    source: str  # "files" (the layers were valid), "last-good", or "none"


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge recursively, everything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path, required: bool) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(str(path), [Problem("", f"{path} is missing")]) from None
        return {}
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read {path}: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"{path} is not UTF-8 text (byte {exc.start})")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"{path.name} is not valid TOML: {exc}")]) from None


def load_layers(defaults: Path | None, boot: Path | None) -> tuple[Config, dict[str, Any]]:
    """Validate ``boot`` laid over ``defaults``; return the config and the merged document."""
    data: dict[str, Any] = {}
    if defaults is not None:
        data = _read(defaults, required=boot is None)
    if boot is not None:
        data = merge(data, _read(boot, required=True))
    source = str(boot or defaults)
    config = parse_config(data, source)
    base = (defaults or boot).parent  # type: ignore[union-attr]
    return resolve_paths(config, base), data


def summary(error: ConfigError, lines: int = 3) -> str:
    """The first problems of ``error`` on one line, for the board."""
    shown = "; ".join(str(p) for p in error.problems[:lines])
    more = len(error.problems) - lines
    return shown + (f" (+{more})" if more > 0 else "")


def load_at_boot(defaults: Path | None, boot: Path | None, last_good: Path) -> Loaded:
    """The configuration to run now, keeping ``last_good`` up to date."""
    try:
        config, data = load_layers(defaults, boot)
    except ConfigError as exc:
        problem = summary(exc)
        try:
            kept = json.loads(last_good.read_text(encoding="utf-8"))
            config = parse_config(kept["data"], str(last_good))
            base = Path(kept.get("base", str(last_good.parent)))
            return Loaded(resolve_paths(config, base), problem, "last-good")
        except (OSError, ValueError, KeyError, ConfigError):
            return Loaded(None, problem, "none")
    base = (defaults or boot).parent  # type: ignore[union-attr]
    write_atomic(last_good, json.dumps({"data": data, "base": str(base)}, ensure_ascii=False))
    return Loaded(config, None, "files")



_CODE_LINE = re.compile(r"^(\s*)enrolment_code\s*=.*$", re.MULTILINE)


def remove_enrolment_code(path: Path, now: datetime) -> bool:
    """Comment the used enrolment code out of the boot file; False if it had none."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    if not _CODE_LINE.search(text):
        return False
    note = f"# enrolment_code: used and removed by the kiosk on {now:%Y-%m-%d %H:%M}"
    write_atomic(path, _CODE_LINE.sub(lambda m: m.group(1) + note, text, count=1))
    return True
