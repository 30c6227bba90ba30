"""The office's configuration in layers: image defaults, the SD card's kiosk.toml, the central server's.

Three layers, each laid over the one below it by the same rules
(docs/configuration.md, "Layers"):

1. ``/etc/kiosk/kiosk.toml``, the image's defaults;
2. ``kiosk.toml`` on the card's FAT boot partition (``/boot/firmware/kiosk.toml``),
   which a technician edits from a laptop;
3. the site's configuration pushed by the central server, stored with its
   version in ``sync.config_cache`` by the sync worker.

The rules: a section (a top-level table or array) of the upper layer replaces
the lower layer's section whole; a section the upper layer leaves out is the
lower layer's, except that the lower layer's ``[rating]`` and ``[buttons]``
(which name services, counters and rating levels) are left out, with a note on
the board, when they do not fit an upper layer that has its own
``[[services]]`` and ``[[counters]]``. So every upper layer that is valid on its
own is valid over any valid lower layer (a property test checks it). The central
layer never sets ``[store]``, ``[web]``, where the kiosk syncs and with what
(``[sync]`` but its timing keys) or the file paths of device sections: those
stay the kiosk's.

At every start, SIGHUP and pushed configuration the result is validated and,
when applied, kept as the *last good* configuration. A bad, empty or missing
boot file never bricks an office: the kiosk runs on the last good configuration
(with the central layer over it) and the board shows the exact error; with no
good configuration at all it shows the error and issues no tickets.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import write_atomic
from kiosk.config import Config, ConfigError, Problem, SyncConfig, parse_config, resolve_paths

log = logging.getLogger(__name__)

#: Sections that name services, counters or rating levels: a lower layer's are kept only if they fit.
#: In this order: losing the rating labels costs less than losing the buttons.
FOLLOWERS = ("rating", "buttons", "rating_pads", "counter_scanners")
#: Sections the central server never sets: this machine's data and its pages.
LOCAL_SECTIONS = ("store", "web")
#: The only ``[sync]`` keys the central server sets: how often and how patiently; never where or with what.
SYNC_TIMING = ("interval_seconds", "batch_size", "heartbeat_seconds", "config_seconds", "timeout_seconds",
               "backoff_base_seconds", "backoff_max_seconds")
#: File paths in device sections that stay the kiosk's when the central server sets the section.
LOCAL_PATHS: dict[str, tuple[str, ...]] = {
    "printer": ("output_dir",),
    "board": ("frames_dir",),
    "speaker": ("output_dir", "sounds_dir"),
    "keypads": ("pairings_file",),
    "camera": ("snapshot_dir",),
}


@dataclass(frozen=True)
class Note:
    """Something about the configuration in force the board shows (Vietnamese, English)."""

    vi: str
    en: str


# -- the overlay rules ------------------------------------------------------------------


@dataclass(frozen=True)
class Layered:
    """An upper layer laid over a lower one: the document, and the lower sections left out with why."""

    document: dict[str, Any]
    left_out: tuple[tuple[str, str], ...] = ()


def overlay(lower: dict[str, Any], upper: dict[str, Any]) -> Layered:
    """``upper`` laid over ``lower`` by the rules above (the module's docstring)."""
    document = {key: value for key, value in lower.items() if key not in upper}
    document.update(upper)
    inherited = [s for s in FOLLOWERS if s in lower and s not in upper]
    if not inherited or not ("services" in upper and "counters" in upper):
        return Layered(document)
    try:
        parse_config(document)
        return Layered(document)
    except ConfigError as exc:
        whole = exc
    drops = [(s,) for s in inherited] + ([tuple(inherited)] if len(inherited) > 1 else [])
    for drop in drops:
        trial = {key: value for key, value in document.items() if key not in drop}
        try:
            parse_config(trial)
        except ConfigError:
            continue
        return Layered(trial, tuple((section, _why(whole, section)) for section in drop))
    return Layered(document)  # the upper layer is broken itself: the caller reports every problem


def _why(error: ConfigError, section: str) -> str:
    """The first problem ``section`` caused, else the first problem."""
    for problem in error.problems:
        if problem.path.startswith(section) or f"[{section}" in problem.message:
            return str(problem)
    return str(error.problems[0])


def lay_central(local: dict[str, Any], central: dict[str, Any]) -> Layered:
    """The central server's configuration over the local one: the overlay, less what stays local."""
    upper = {key: value for key, value in central.items() if key not in (*LOCAL_SECTIONS, "sync")}
    if isinstance(local.get("sync"), dict):  # with no [sync] here, nothing came from central anyway
        pushed = central.get("sync") if isinstance(central.get("sync"), dict) else {}
        upper["sync"] = {**local["sync"], **{key: pushed[key] for key in SYNC_TIMING if key in pushed}}
    for section, keys in LOCAL_PATHS.items():
        theirs, mine = upper.get(section), local.get(section)
        if isinstance(theirs, dict) and isinstance(mine, dict):
            kept = {key: value for key, value in theirs.items() if key not in keys}
            kept.update({key: mine[key] for key in keys if key in mine})
            upper[section] = kept
    return overlay(local, upper)


# -- reading the files ----------------------------------------------------------------


def _refused(path: Path, message: str) -> ConfigError:
    return ConfigError(str(path), [Problem("", message)])


def _read(path: Path, required: bool) -> dict[str, Any]:
    """One layer's TOML file; a file that is empty, damaged or not TOML is refused with why."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise _refused(path, f"{path} is missing") from None
        return {}
    except OSError as exc:
        raise _refused(path, f"cannot read {path}: {exc.strerror}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode"
        raise _refused(path, f"{path.name} is saved as UTF-16 (\"Unicode\"); save it as UTF-8")
    if b"\x00" in raw:  # FAT after a power cut: the file's length was written, its data was not
        at = raw.index(b"\x00")
        raise _refused(path, f"{path.name} is damaged: NUL bytes from byte {at} on (cut short by a power cut?)")
    try:
        text = raw.decode("utf-8-sig")  # Notepad may start the file with a byte order mark
    except UnicodeDecodeError as exc:
        raise _refused(path, f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _refused(path, f"{path.name} is not valid TOML: {exc}") from None
    if not data:
        raise _refused(path, f"{path.name} holds no settings: it is empty or only comments (cut short by a power cut?)")
    return data


@dataclass(frozen=True)
class Local:
    """The configuration this machine holds: the image's defaults with the boot file over them."""

    document: dict[str, Any]
    base: Path  # relative paths are relative to this folder
    left_out: tuple[tuple[str, str], ...] = ()  # sections of the defaults the boot file did not fit


def read_local(defaults: Path | None, boot: Path | None) -> tuple[Config, Local]:
    """Validate ``boot`` laid over ``defaults`` (either may be None); raise :class:`ConfigError` if refused."""
    lower = _read(defaults, required=boot is None) if defaults is not None else {}
    layered = overlay(lower, _read(boot, required=True)) if boot is not None else Layered(lower)
    base = (defaults or boot).parent  # type: ignore[union-attr]
    config = parse_config(layered.document, str(boot or defaults))
    return resolve_paths(config, base), Local(layered.document, base, layered.left_out)


def load_layers(defaults: Path | None, boot: Path | None) -> tuple[Config, dict[str, Any]]:
    """Validate ``boot`` laid over ``defaults``; return the config and the laid document."""
    config, local = read_local(defaults, boot)
    return config, local.document


def summary(error: ConfigError, lines: int = 3) -> str:
    """The first problems of ``error`` on one line, for the board."""
    shown = "; ".join(str(p) for p in error.problems[:lines])
    more = len(error.problems) - lines
    return shown + (f" (+{more})" if more > 0 else "")


# -- the central server's configuration, as stored on the kiosk -----------------------------


@dataclass(frozen=True)
class Central:
    """The site's configuration from the central server and its version."""

    version: int
    document: dict[str, Any]


def _server(url: str | None) -> str:
    return (url or "").rstrip("/")


def _enrolled_as(token_file: str) -> str | None:
    try:
        return json.loads(Path(token_file).read_text(encoding="utf-8")).get("device_id")
    except (OSError, ValueError, AttributeError):
        return None


def store_central(sync: SyncConfig, version: int, document: dict[str, Any], device_id: str | None) -> None:
    """Keep the central server's configuration durably (``sync.config_cache``), with its version and origin."""
    write_atomic(sync.config_cache, json.dumps(
        {"version": version, "config": document, "server_url": _server(sync.server_url), "device_id": device_id},
        ensure_ascii=False,
    ))


def read_central(sync: SyncConfig | None) -> Central | None:
    """The stored central configuration, if this kiosk got it from its server under its enrolment.

    One from another server or an earlier enrolment (the kiosk was moved) is
    ignored, so its version is not sent either and the server sends its own.
    """
    if sync is None or not sync.server_url:
        return None
    path = Path(sync.config_cache)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version, document = data["version"], data["config"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("stored central configuration unreadable; ignored", extra={"path": str(path), "error": str(exc)})
        return None
    if type(version) is not int or not isinstance(document, dict):
        log.warning("stored central configuration malformed; ignored", extra={"path": str(path)})
        return None
    if data.get("server_url") not in (None, _server(sync.server_url)):
        return None
    if data.get("device_id") is not None and data["device_id"] != _enrolled_as(sync.token_file):
        return None
    return Central(version, document)


# -- the layers of the running configuration ------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """A configuration to run: the layers laid and validated."""

    config: Config
    version: str  # a digest of the local layers
    central: int | None  # the version of the central server's configuration in it, if any
    notes: tuple[Note, ...]  # what the board should say about it


def digest(document: dict[str, Any]) -> str:
    """A short identifier of a configuration document."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def compose(local: Local, central: Central | None, source: str = "<config>") -> Applied:
    """``central`` laid over ``local``; a central configuration that is refused is left out with a note.

    Raises :class:`ConfigError` only if ``local`` itself is refused.
    """
    notes = [Note(f"kiosk.toml: không dùng mục [{s}] của cấu hình mặc định vì không khớp: {why}",
                  f"kiosk.toml: the defaults' [{s}] is left out, it does not fit: {why}") for s, why in local.left_out]
    config = resolve_paths(parse_config(local.document, source), local.base)
    in_force = None
    if central is not None:
        layered = lay_central(local.document, central.document)
        try:
            config = resolve_paths(parse_config(layered.document, f"central config v{central.version}"), local.base)
        except ConfigError as exc:
            log.error("the central configuration does not fit here; not applied",
                      extra={"version": central.version, "problems": [str(p) for p in exc.problems]})
            notes.append(Note(f"Không áp dụng được cấu hình từ máy chủ trung tâm (phiên bản {central.version}): "
                              f"{summary(exc, 1)}",
                              f"Central configuration v{central.version} not applied: {summary(exc, 1)}"))
        else:
            in_force = central.version
            notes += [Note(f"Cấu hình từ máy chủ trung tâm (phiên bản {central.version}): không dùng mục [{s}] "
                           f"của máy này vì không khớp: {why}",
                           f"Central configuration v{central.version}: this kiosk's [{s}] is left out, "
                           f"it does not fit: {why}") for s, why in layered.left_out]
    return Applied(config, digest(local.document), in_force, tuple(notes))


class Layers:
    """Where the running configuration comes from, laid again at SIGHUP and when central pushes one.

    Each application saves the last good configuration (the local layers and the
    central version over them). Used by the main thread (start, SIGHUP) and the
    sync thread (a pushed configuration); a lock keeps them apart.
    """

    def __init__(self, defaults: Path | None, boot: Path | None, last_good: Path | None = None) -> None:
        self.defaults = defaults  # the image's defaults (None: the boot file alone)
        self.boot = boot  # the file laid over them (or the only file, with ``kiosk run --config``)
        self.last_good = last_good
        self.local: Local | None = None
        self.applied: Applied | None = None
        self._lock = threading.RLock()

    @classmethod
    def of_config(cls, config: Config, defaults: Path | None = None, boot: Path | None = None) -> Layers:
        """Layers for a process given a ready configuration (tests, the demo): it is the local layer."""
        layers = cls(defaults, boot)
        folder = (defaults or boot).parent if (defaults or boot) else Path.cwd()
        document = config.model_dump(mode="json", exclude_none=True, warnings=False)
        layers.local = Local(document, folder)
        return layers

    def reload(self) -> Applied:
        """Read the files again and lay the stored central configuration over them.

        Raises :class:`ConfigError` (or ``OSError``) if they are refused; then nothing changes.
        """
        with self._lock:
            _, local = read_local(self.defaults, self.boot)
            self.local = local
            return self.apply(str(self.boot or self.defaults))

    def receive(self) -> Applied:
        """The sync worker stored a newer central configuration: lay it over the local layers."""
        with self._lock:
            return self.apply("central")

    def apply(self, source: str) -> Applied:
        """Lay the stored central configuration over the local layers; save it as the last good one."""
        with self._lock:
            assert self.local is not None
            local_config = resolve_paths(parse_config(self.local.document, source), self.local.base)
            applied = compose(self.local, read_central(local_config.sync), source)
            self.applied = applied
            if self.last_good is not None:
                write_atomic(self.last_good, json.dumps(
                    {"data": self.local.document, "base": str(self.local.base), "central_version": applied.central},
                    ensure_ascii=False,
                ))
            return applied

    @property
    def notes(self) -> tuple[Note, ...]:
        """What the board should say about the configuration in force."""
        return self.applied.notes if self.applied is not None else ()


def read_last_good(path: Path) -> Local | None:
    """The local layers of the last good configuration, or None if there is none readable."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        document = kept["data"]
        base = Path(kept.get("base") or path.parent)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Local(document, base) if isinstance(document, dict) else None


@dataclass(frozen=True)
class Loaded:
    """What start-up found: the configuration to run and, if the boot file was refused, why."""

    config: Config | None
    problem: str | None  # the first problems, for the board; None when the boot file was good
    source: str  # "files" (the layers were valid), "last-good", or "none"
    layers: Layers | None = None  # for SIGHUP and pushed configurations; None with no configuration

    @property
    def notes(self) -> tuple[Note, ...]:
        """Sections left out and a central configuration not applied, for the board."""
        return self.layers.notes if self.layers is not None else ()


def load_at_boot(defaults: Path | None, boot: Path | None, last_good: Path) -> Loaded:
    """The configuration to start on (central's over the files, or over the last good ones); saves the last good."""
    layers = Layers(defaults, boot, last_good)
    try:
        applied = layers.reload()
        return Loaded(applied.config, None, "files", layers)
    except ConfigError as exc:
        problem = summary(exc)
    kept = read_last_good(last_good)
    if kept is None:
        return Loaded(None, problem, "none")
    layers.local = kept
    try:
        applied = layers.apply(str(last_good))
    except ConfigError:
        return Loaded(None, problem, "none")
    return Loaded(applied.config, problem, "last-good", layers)


def load_file(path: Path) -> Loaded:
    """``kiosk run --config PATH``: the file with the stored central configuration over it.

    Raises :class:`ConfigError` if the file is refused (there is no last good one here).
    """
    layers = Layers(None, path)
    applied = layers.reload()
    return Loaded(applied.config, None, "files", layers)


# -- first boot ---------------------------------------------------------------------------

_CODE_LINE = re.compile(r"^([ \t]*)enrolment_code[ \t]*=[^\r\n]*", re.MULTILINE)
_BOM = "\ufeff"


def remove_enrolment_code(path: Path, now: datetime) -> bool:
    """Comment the used enrolment code out of the boot file; False if it had none.

    The file's byte order mark and line endings (Notepad's) are kept.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    bom = _BOM if text.startswith(_BOM) else ""
    text = text[len(bom):]
    if not _CODE_LINE.search(text):
        return False
    note = f"# enrolment_code: used and removed by the kiosk on {now:%Y-%m-%d %H:%M}"
    write_atomic(path, bom + _CODE_LINE.sub(lambda m: m.group(1) + note, text, count=1))
    return True
