"""Officers' USB numeric keypads (python-evdev): one per counter.

Layers, each testable alone:

- :class:`KeySequenceParser` -- pure state machine: key symbols ("0".."9",
  "enter", ".", "-", "+", "*", "/", "clear", "long:0") and a clock reading in,
  :class:`KeypadAction` / :class:`KeypadRejected` out. Half-typed input times out.
- :class:`KeyPressTracker` -- pure: key down/up/autorepeat into symbols, and
  tells a long press of ``0`` (pause/resume) from a short one (the digit 0).
- :class:`KeypadHandler` -- one per connected device: takes an
  ``evdev.InputEvent`` and a clock reading, maps the key code through the keymap,
  runs the two layers above and posts the results. Pairing goes to the
  :class:`PairingStore` here.
- :class:`KeypadService` -- threads: a scanner that finds keypads by their stable
  ``/dev/input/by-id/`` path, and one reader per path that opens it, grabs it
  once it is paired (so its keys never reach the board window), feeds every event
  to a :class:`KeypadHandler`, and reopens it after unplugging with a backoff.

Backends differ only in the last hop: ``real`` opens ``evdev.InputDevice`` on the
paths found under ``/dev/input``; ``simulated`` opens :class:`SimulatedKeypad`
objects that a test or a demo plugs, types on and unplugs.

Key sequences (default keymap; see docs/buttons-and-keypads.md):

    Enter                 next            .                 recall
    -                     no-show         +                 complete (opens the rating window)
    digits *              call that number
    / digit(s) Enter      transfer to the n-th service of the config (1-based)
    0 held 1 s            pause / resume
    * * code Enter        sign in officer <code>      * * Enter   sign out
    / / PIN Enter counter Enter   pair this keypad to <counter>
    Backspace             clear what was typed
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import json
import os
import select
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drivers.base import Backend, DeviceError

# --------------------------------------------------------------------------
# Key symbols and action kinds
# --------------------------------------------------------------------------

DIGITS = frozenset("0123456789")
ENTER, DOT, MINUS, PLUS, STAR, SLASH, CLEAR = "enter", ".", "-", "+", "*", "/", "clear"
IGNORE = "ignore"  # a key mapped to this is dropped silently (e.g. NumLock)
LONG_ZERO = "long:0"
SYMBOLS = DIGITS | {ENTER, DOT, MINUS, PLUS, STAR, SLASH, CLEAR}

ActionKind = Literal[
    "next", "recall", "no_show", "complete", "call", "transfer", "pause_resume", "sign_in", "sign_out", "pair"
]

#: Keys that act alone when nothing is half-typed.
SINGLE_KEY_ACTIONS: dict[str, ActionKind] = {ENTER: "next", DOT: "recall", MINUS: "no_show", PLUS: "complete"}

#: evdev key name -> symbol. The keypad keys, the same keys of a full keyboard,
#: and the codes some keypads send when their own NumLock is off.
DEFAULT_KEYMAP: dict[str, str] = {
    **{f"KEY_KP{d}": d for d in "0123456789"},
    **{f"KEY_{d}": d for d in "0123456789"},
    "KEY_KPENTER": ENTER,
    "KEY_ENTER": ENTER,
    "KEY_KPDOT": DOT,
    "KEY_KPCOMMA": DOT,
    "KEY_DOT": DOT,
    "KEY_KPMINUS": MINUS,
    "KEY_MINUS": MINUS,
    "KEY_KPPLUS": PLUS,
    "KEY_KPASTERISK": STAR,
    "KEY_KPSLASH": SLASH,
    "KEY_SLASH": SLASH,
    "KEY_BACKSPACE": CLEAR,
    "KEY_NUMLOCK": IGNORE,
    # NumLock off on keypads that decode it themselves:
    "KEY_INSERT": "0",
    "KEY_END": "1",
    "KEY_DOWN": "2",
    "KEY_PAGEDOWN": "3",
    "KEY_LEFT": "4",
    "KEY_RIGHT": "6",
    "KEY_HOME": "7",
    "KEY_UP": "8",
    "KEY_PAGEUP": "9",
    "KEY_DELETE": DOT,
}


# --------------------------------------------------------------------------
# Events posted to the app
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class KeypadAction:
    """An officer's command at ``counter``.

    ``number`` is the ticket number for ``call`` (the counter for ``pair``),
    ``service_index`` the 1-based position of the service in the config for
    ``transfer``, ``officer`` the code typed for ``sign_in`` (a string: leading
    zeros count).
    """

    counter: int | None
    kind: ActionKind
    number: int | None = None
    service_index: int | None = None
    officer: str | None = None


@dataclass(frozen=True)
class KeypadRejected:
    """Input was dropped; the app sounds a beep. ``reason`` is for the log."""

    counter: int | None
    reason: str
    device: str = ""


@dataclass(frozen=True)
class KeypadPaired:
    """``device`` now drives ``counter``; ``previous`` is the keypad that did before (now unpaired)."""

    device: str
    counter: int
    previous: str | None = None


@dataclass(frozen=True)
class KeypadConnected:
    """A keypad was opened (``counter`` is None until it is paired)."""

    device: str
    counter: int | None


@dataclass(frozen=True)
class KeypadDisconnected:
    """A keypad was unplugged, or cannot be opened; ``reason`` says why and what to do."""

    device: str
    counter: int | None
    reason: str


KeypadEvent = KeypadAction | KeypadRejected | KeypadPaired | KeypadConnected | KeypadDisconnected


# --------------------------------------------------------------------------
# Configuration: the [keypads] section
# --------------------------------------------------------------------------


class KeypadConfig(BaseModel):
    """The ``[keypads]`` section: officers' numeric keypads."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field(
        default="real", description='"real": evdev devices under /dev/input; "simulated": keypads faked in memory.'
    )
    devices: list[str] = Field(
        default_factory=lambda: ["/dev/input/by-id/*-event-kbd"],
        description="Glob patterns of the device paths to watch. Use by-id (stable per keypad); "
        "use /dev/input/by-path/*-event-kbd (stable per USB port) if two keypads have the same by-id name.",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Glob patterns of paths never to open, e.g. the technician's keyboard."
    )
    scan_interval_ms: int = Field(default=2000, ge=100, le=60_000, description="How often to look for new keypads.")
    pairing_pin: str | None = Field(
        default=None,
        description="4 to 8 digits typed to pair a keypad (/ / PIN Enter counter Enter). "
        "Unset: keypads cannot be paired from the keypad.",
    )
    pairings_file: Path = Field(
        default=Path("/var/lib/kiosk/keypads.json"), description="Where the keypad-to-counter pairings are kept."
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description='Changes to the default keymap: evdev key name -> symbol ("0".."9", "enter", ".", "-", "+", '
        '"*", "/", "clear" or "ignore"), e.g. {KEY_TAB = "clear"}.',
    )
    sequence_timeout_ms: int = Field(
        default=5000, ge=1000, le=60_000, description="Half-typed input is dropped (with a beep) after this pause."
    )
    long_press_ms: int = Field(default=1000, ge=300, le=10_000, description="Holding 0 this long is pause/resume.")
    max_digits: int = Field(
        default=6, ge=3, le=12, description="Longest ticket number or officer code; longer input is dropped."
    )
    reconnect_min_ms: int = Field(default=500, ge=1, le=60_000, description="First wait before reopening a keypad.")
    reconnect_max_ms: int = Field(
        default=10_000, ge=1, le=600_000, description="Longest wait between attempts (the wait doubles up to it)."
    )
    numlock: bool = Field(
        default=True, description="Turn the keypad's NumLock LED on when opening it, so it sends digits."
    )

    @field_validator("pairing_pin")
    @classmethod
    def _pin(cls, pin: str | None) -> str | None:
        if pin is not None and not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError("the pairing PIN must be 4 to 8 digits")
        return pin

    @field_validator("keymap")
    @classmethod
    def _keymap(cls, keymap: dict[str, str]) -> dict[str, str]:
        from evdev import ecodes

        for name, symbol in keymap.items():
            if not name.startswith("KEY_") or name not in ecodes.ecodes:
                raise ValueError(f"{name!r} is not an evdev key name (see `python -m evdev.evtest`)")
            if symbol not in SYMBOLS | {IGNORE}:
                raise ValueError(f"{name} = {symbol!r}: use one of {sorted(SYMBOLS | {IGNORE})}")
        return keymap

    def key_codes(self) -> dict[int, str]:
        """The effective keymap: evdev key code -> symbol (defaults changed by ``keymap``)."""
        from evdev import ecodes

        merged = {**DEFAULT_KEYMAP, **self.keymap}
        return {ecodes.ecodes[name]: symbol for name, symbol in merged.items()}


# --------------------------------------------------------------------------
# The key-sequence state machine (pure)
# --------------------------------------------------------------------------

_IDLE, _NUMBER, _STAR, _OFFICER, _SLASH, _TRANSFER, _PAIR_PIN, _PAIR_COUNTER, _DISCARD = range(9)
_MAX_SERVICE_DIGITS = 2
_MAX_COUNTER_DIGITS = 3
_MAX_PIN_DIGITS = 8

Output = KeypadAction | KeypadRejected


class KeySequenceParser:
    """Key symbols in, actions out. No I/O, no clock of its own, no threads.

    ``counter`` is the counter the keypad is paired to (None: only pairing is
    accepted). ``counters``/``service_count``, when given, let the parser reject
    a pairing to a counter or a transfer to a service that does not exist.

    After a rejected digit the rest of that number is ignored until Enter, ``*``,
    Backspace or the timeout, so ``1234567*`` with 6 digits allowed beeps once and
    calls nobody.
    """

    def __init__(
        self,
        counter: int | None,
        *,
        pairing_pin: str | None = None,
        timeout_s: float = 5.0,
        max_digits: int = 6,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
        device: str = "",
    ) -> None:
        self.counter = counter
        self.pairing_pin = pairing_pin
        self.timeout_s = timeout_s
        self.max_digits = max_digits
        self.counters = counters
        self.service_count = service_count
        self.device = device
        self._state = _IDLE
        self._digits = ""
        self._last_key_at: float | None = None

    @property
    def idle(self) -> bool:
        """True when nothing is half-typed."""
        return self._state == _IDLE

    def feed(self, key: str, now: float) -> list[Output]:
        """One key symbol typed at clock time ``now``."""
        out = self.tick(now)
        self._last_key_at = now
        for item in self._step(key):
            if isinstance(item, KeypadAction) and item.kind != "pair" and self.counter is None:
                item = self._reject("this keypad is not paired: type / / PIN Enter counter Enter")
            out.append(item)
        return out

    def tick(self, now: float) -> list[Output]:
        """Drop half-typed input older than the timeout (with a beep, unless already beeped)."""
        if self._state == _IDLE or self._last_key_at is None or now - self._last_key_at < self.timeout_s:
            return []
        discarding = self._state == _DISCARD
        self._reset()
        return [] if discarding else [self._reject("timeout: half-typed input dropped")]

    # ---- internals --------------------------------------------------------

    def _reset(self) -> None:
        self._state = _IDLE
        self._digits = ""

    def _reject(self, reason: str) -> KeypadRejected:
        return KeypadRejected(self.counter, reason, self.device)

    def _garbage(self, key: str, reason: str, *, rest_follows: bool = False) -> list[Output]:
        # A bad digit means the person is still typing a number, and a refused
        # PIN is followed by the counter number: ignore the rest of it. Any
        # other key ends the sequence.
        self._digits = ""
        self._state = _DISCARD if key in DIGITS or rest_follows else _IDLE
        return [self._reject(reason)]

    def _action(self, kind: ActionKind, **fields: Any) -> list[Output]:
        self._reset()
        return [KeypadAction(self.counter, kind, **fields)]

    def _add_digit(self, key: str, limit: int, what: str) -> list[Output]:
        if len(self._digits) >= limit:
            return self._garbage(key, f"{what} longer than {limit} digits")
        self._digits += key
        return []

    def _step(self, key: str) -> list[Output]:
        state = self._state
        if key == CLEAR:
            self._reset()
            return []
        if key == LONG_ZERO:
            if state == _IDLE:
                return self._action("pause_resume")
            return self._garbage(key, "hold 0 only when nothing is typed")
        if key not in SYMBOLS:
            return self._garbage(key, f"key {key} is not used")
        if state == _DISCARD:
            if key in (ENTER, STAR):
                self._reset()
            return []
        if state == _IDLE:
            if key in SINGLE_KEY_ACTIONS:
                return self._action(SINGLE_KEY_ACTIONS[key])
            if key in DIGITS:
                self._state, self._digits = _NUMBER, key
            elif key == STAR:
                self._state = _STAR
            else:  # SLASH: the only key left
                self._state = _SLASH
            return []
        if state == _NUMBER:
            if key in DIGITS:
                return self._add_digit(key, self.max_digits, "number")
            if key == STAR:
                number = int(self._digits)
                if number < 1:
                    return self._garbage(key, "there is no ticket number 0")
                return self._action("call", number=number)
            return self._garbage(key, f"a number then {key}: to call a number type it then *")
        if state == _STAR:
            if key == STAR:
                self._state, self._digits = _OFFICER, ""
                return []
            return self._garbage(key, f"* then {key}: sign in with * * code Enter")
        if state == _OFFICER:
            if key in DIGITS:
                return self._add_digit(key, self.max_digits, "officer code")
            if key == ENTER:
                if self._digits:
                    return self._action("sign_in", officer=self._digits)
                return self._action("sign_out")
            return self._garbage(key, f"* * then {key}: sign in with * * code Enter")
        if state == _SLASH:
            if key in DIGITS:
                self._state, self._digits = _TRANSFER, key
                return []
            if key == SLASH:
                self._state, self._digits = _PAIR_PIN, ""
                return []
            return self._garbage(key, f"/ then {key}: transfer with / service Enter")
        if state == _TRANSFER:
            if key in DIGITS:
                return self._add_digit(key, _MAX_SERVICE_DIGITS, "service position")
            if key == ENTER:
                index = int(self._digits)
                if index < 1 or (self.service_count is not None and index > self.service_count):
                    return self._garbage(key, f"there is no service {index}")
                return self._action("transfer", service_index=index)
            return self._garbage(key, f"/ service then {key}: transfer with / service Enter")
        if state == _PAIR_PIN:
            if key in DIGITS:
                return self._add_digit(key, _MAX_PIN_DIGITS, "PIN")
            if key == ENTER:
                if self.pairing_pin is None:
                    reason = "pairing from the keypad is off (no pairing_pin in [keypads])"
                    return self._garbage(key, reason, rest_follows=True)
                if self._digits != self.pairing_pin:
                    return self._garbage(key, "wrong pairing PIN", rest_follows=True)
                self._state, self._digits = _PAIR_COUNTER, ""
                return []
            return self._garbage(key, f"/ / PIN then {key}: pair with / / PIN Enter counter Enter")
        # _PAIR_COUNTER
        if key in DIGITS:
            return self._add_digit(key, _MAX_COUNTER_DIGITS, "counter number")
        if key == ENTER and self._digits:
            counter = int(self._digits)
            if counter < 1 or (self.counters is not None and counter not in self.counters):
                return self._garbage(key, f"there is no counter {counter}")
            return self._action("pair", number=counter)
        return self._garbage(key, f"/ / PIN Enter then {key}: type the counter number then Enter")


class KeyPressTracker:
    """Key down/up/autorepeat into symbols for the parser (pure).

    A key that has a long-press meaning (``0``) is held back until it is released
    or another key goes down (fast typists roll over keys), so ``100*`` still
    reads 1, 0, 0, * in that order. Held for ``long_press_s`` it becomes
    ``long:0`` at once, while still held (:meth:`tick` or an autorepeat notices).
    """

    def __init__(self, long_press_s: float, long_keys: Collection[str] = ("0",)) -> None:
        self.long_press_s = long_press_s
        self.long_keys = frozenset(long_keys)
        self._held: dict[str, float] = {}  # long-press key -> time it went down

    def key(self, symbol: str, state: Literal["down", "up", "hold"], now: float) -> list[str]:
        """One key change; returns the symbols it completes, in order."""
        if state == "down":
            out = self._flush()
            if symbol in self.long_keys:
                self._held[symbol] = now
            else:
                out.append(symbol)
            return out
        if symbol not in self._held:
            return []  # autorepeat or release of an ordinary key, or of one already sent
        if state == "hold":
            return self._long(symbol, now)
        down_at = self._held.pop(symbol)
        return [f"long:{symbol}" if now - down_at >= self.long_press_s else symbol]

    @property
    def holding(self) -> bool:
        """True while a long-press key is down and not yet decided."""
        return bool(self._held)

    def tick(self, now: float) -> list[str]:
        """Long presses that became due with the key still held."""
        return [s for symbol in list(self._held) for s in self._long(symbol, now)]

    def _long(self, symbol: str, now: float) -> list[str]:
        if now - self._held[symbol] >= self.long_press_s:
            del self._held[symbol]
            return [f"long:{symbol}"]
        return []

    def _flush(self) -> list[str]:
        out = list(self._held)  # short presses: another key came first
        self._held.clear()
        return out


# --------------------------------------------------------------------------
# Pairings: which keypad drives which counter
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """One keypad bound to one counter."""

    device: str
    counter: int
    paired_at: str  # local wall time, ISO 8601; informative only (the clock may not be set)


class PairingStore:
    """Keypad pairings in a small JSON file, written atomically (temp file + fsync + os.replace).

    Another process (``kiosk pair --reset``) may change the file while the kiosk
    runs: every read checks the file's stamp and reloads it when it changed.
    Thread-safe. A counter has at most one keypad: pairing a second one unpairs
    the first.
    """

    def __init__(self, path: Path, *, strict: bool = True) -> None:
        """``strict``: a damaged file is a DeviceError; otherwise it counts as empty."""
        self.path = Path(path)
        self._lock = threading.Lock()
        self._pairings: dict[str, Pairing] = {}
        self._stamp: tuple[int, int, int] | None = None
        with self._lock:
            try:
                self._refresh()
            except ValueError as exc:
                if not strict:
                    return
                raise DeviceError(
                    "keypads",
                    f"the pairing file {self.path} is damaged ({exc})",
                    "delete it (kiosk pair --reset) and pair the keypads again",
                ) from exc

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        pairings: dict[str, Pairing] = {}
        if stamp is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                for item in data["keypads"]:
                    pairing = Pairing(str(item["device"]), int(item["counter"]), str(item.get("paired_at", "")))
                    pairings[pairing.device] = pairing
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(str(exc)) from exc
        self._pairings, self._stamp = pairings, stamp

    def _refresh_quietly(self) -> None:
        try:
            self._refresh()
        except ValueError:
            pass  # damaged by someone else while we run: keep what we had; our next write repairs it

    def _write(self, pairings: dict[str, Pairing]) -> None:
        """Save ``pairings`` and make them current; on OSError nothing changes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": 1,
            "keypads": [
                {"device": p.device, "counter": p.counter, "paired_at": p.paired_at}
                for p in sorted(pairings.values(), key=lambda p: p.counter)
            ],
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself survive a power cut
        finally:
            os.close(dir_fd)
        self._pairings, self._stamp = pairings, self._file_stamp()

    def counter_for(self, device: str) -> int | None:
        """The counter ``device`` is paired to, or None."""
        with self._lock:
            self._refresh_quietly()
            pairing = self._pairings.get(device)
            return pairing.counter if pairing else None

    def devices(self) -> list[str]:
        """Every paired device path."""
        with self._lock:
            self._refresh_quietly()
            return list(self._pairings)

    def pair(self, device: str, counter: int) -> str | None:
        """Bind ``device`` to ``counter``; returns the device that had the counter before, if another."""
        with self._lock:
            self._refresh_quietly()
            previous = [p.device for p in self._pairings.values() if p.counter == counter and p.device != device]
            pairings = {d: p for d, p in self._pairings.items() if d not in previous}
            pairings[device] = Pairing(device, counter, datetime.now().isoformat(timespec="seconds"))
            self._write(pairings)
            return previous[0] if previous else None

    def list(self) -> list[Pairing]:
        """All pairings, by counter."""
        with self._lock:
            self._refresh_quietly()
            return sorted(self._pairings.values(), key=lambda p: p.counter)

    def reset(self) -> int:
        """Forget every pairing; returns how many there were."""
        with self._lock:
            self._refresh_quietly()
            count = len(self._pairings)
            self._write({})
            return count


def list_pairings(path: Path) -> list[Pairing]:
    """The pairings kept in ``path`` (for ``kiosk pair --list``)."""
    return PairingStore(path).list()


def reset_pairings(path: Path) -> int:
    """Forget all pairings in ``path`` (for ``kiosk pair --reset``); returns how many there were.

    Works on a damaged file too (it is replaced)."""
    return PairingStore(path, strict=False).reset()


# --------------------------------------------------------------------------
# One device: evdev events -> posted actions
# --------------------------------------------------------------------------

_KEY_STATES: dict[int, Literal["down", "up", "hold"]] = {1: "down", 0: "up", 2: "hold"}


class KeypadHandler:
    """Handles the events of one opened keypad. Used by one reader thread only
    (tests call it directly with synthesized ``evdev.InputEvent`` objects)."""

    def __init__(
        self,
        device: str,
        config: KeypadConfig,
        store: PairingStore,
        post: Callable[[Any], None],
        *,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
    ) -> None:
        self.device = device
        self.store = store
        self._post = post
        self._codes = config.key_codes()
        self.counter = store.counter_for(device)
        self.parser = KeySequenceParser(
            self.counter,
            pairing_pin=config.pairing_pin,
            timeout_s=config.sequence_timeout_ms / 1000,
            max_digits=config.max_digits,
            counters=counters,
            service_count=service_count,
            device=device,
        )
        self.tracker = KeyPressTracker(config.long_press_ms / 1000)

    def handle_event(self, event: Any, now: float) -> None:
        """One ``evdev.InputEvent`` read from the device at clock time ``now``."""
        from evdev import KeyEvent, ecodes

        if event.type != ecodes.EV_KEY:
            return  # EV_SYN, EV_MSC scan codes, EV_LED echoes
        key_event = KeyEvent(event, allow_unknown=True)
        state = _KEY_STATES.get(key_event.keystate)
        if state is None:
            return
        symbol = self._codes.get(key_event.scancode)
        if symbol == IGNORE:
            return
        if symbol is None:
            if state != "down":
                return
            name = key_event.keycode
            symbol = "/".join(name) if isinstance(name, (list, tuple)) else str(name)
        for sym in self.tracker.key(symbol, state, now):
            self._feed(sym, now)

    @property
    def timing(self) -> bool:
        """True while a long press or a half-typed sequence waits on the clock."""
        return self.tracker.holding or not self.parser.idle

    def tick(self, now: float) -> None:
        """Call often while :attr:`timing` (the reader does, every 0.1 s): long presses and timeouts."""
        for sym in self.tracker.tick(now):
            self._feed(sym, now)
        for out in self.parser.tick(now):
            self._post(out)

    def sync_binding(self) -> int | None:
        """Pick up pairing changes made elsewhere (another keypad took our counter, a reset)."""
        counter = self.store.counter_for(self.device)
        if counter != self.counter:
            self.counter = self.parser.counter = counter
        return counter

    def _feed(self, symbol: str, now: float) -> None:
        for out in self.parser.feed(symbol, now):
            if isinstance(out, KeypadAction) and out.kind == "pair":
                assert out.number is not None
                try:
                    previous = self.store.pair(self.device, out.number)
                except OSError as exc:  # read-only or full disk: say so, keep reading keys
                    self._post(KeypadRejected(self.counter, f"cannot save the pairing ({exc})", self.device))
                    continue
                self.sync_binding()
                self._post(KeypadPaired(self.device, out.number, previous))
            else:
                self._post(out)


# --------------------------------------------------------------------------
# Devices, readers, reconnection
# --------------------------------------------------------------------------


class KeypadDevice(Protocol):
    """What the reader needs of a device: ``evdev.InputDevice`` and :class:`SimulatedKeypad` both fit."""

    def fileno(self) -> int: ...
    def read(self) -> Iterator[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def set_led(self, led_num: int, value: int) -> None: ...
    def close(self) -> None: ...


def next_backoff(previous_s: float, max_s: float) -> float:
    """The wait before the next reopening attempt: doubles, up to ``max_s``."""
    return min(previous_s * 2, max_s)


def _reason(device: str, exc: Exception) -> str:
    if not isinstance(exc, OSError):
        problem, fix = f"unexpected error ({exc!r})", "it is reopened by itself; report this to the developers"
    elif isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        problem, fix = "not plugged in", "plug it in; `ls /dev/input/by-id/` lists the keypads the Pi sees"
    elif exc.errno == errno.ENODEV:
        problem, fix = "unplugged", "plug it back in: it is reopened by itself"
    elif isinstance(exc, PermissionError):
        problem, fix = "permission denied", "add the kiosk user to the input group: sudo adduser kiosk input"
    elif exc.errno == errno.EBUSY:
        problem, fix = "another program has grabbed it", "stop the other program (a second kiosk?)"
    else:
        problem, fix = f"cannot read it ({exc})", "unplug it and plug it in again"
    return str(DeviceError(f"keypad {device}", problem, fix))


_POLL_S = 0.1  # how often a reader wakes up without input while a key press is timing
# Otherwise it wakes only to notice a pairing made by another keypad: six
# keypads polling ten times a second cost 0.7% of a core at idle.
_IDLE_POLL_S = 1.0


class _Reader:
    """Opens one device path, serves it, and reopens it after a failure."""

    def __init__(self, path: str, service: KeypadService) -> None:
        self.path = path
        self.service = service
        self._connected: bool | None = None  # None: not known yet
        self._down_reason: str | None = None  # the last Disconnected reason posted
        self.backoff = service.config.reconnect_min_ms / 1000  # the next wait before reopening
        self.thread = threading.Thread(target=self.run, name=f"keypad {path}", daemon=True)

    def run(self) -> None:
        service = self.service
        cfg = service.config
        self.backoff = cfg.reconnect_min_ms / 1000
        while not service.stopping.is_set():
            device = None
            try:
                device = service.opener(self.path)
                self._serve(device)
            except Exception as exc:  # OSError from the device; anything else is a bug, but must not kill the thread
                reason = _reason(self.path, exc)
                # Post when the keypad goes away, and again only if the trouble
                # changes to one a technician must fix (not for "still not there").
                missing = isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT
                if self._connected is not False or (reason != self._down_reason and not missing):
                    self._connected = False
                    self._down_reason = reason
                    service.post(KeypadDisconnected(self.path, service.store.counter_for(self.path), reason))
            finally:
                if device is not None:
                    try:
                        device.close()
                    except OSError:
                        pass
            if service.stopping.wait(self.backoff):
                break
            self.backoff = next_backoff(self.backoff, cfg.reconnect_max_ms / 1000)

    def _serve(self, device: KeypadDevice) -> None:
        """Read events until the device fails (OSError) or the service stops."""
        service = self.service
        handler = KeypadHandler(
            self.path,
            service.config,
            service.store,
            service.post,
            counters=service.counters,
            service_count=service.service_count,
        )
        grabbed = False

        def sync_grab() -> None:
            nonlocal grabbed
            # Only a paired keypad is grabbed: an unpaired device may be the
            # technician's keyboard, which must keep working.
            want = handler.sync_binding() is not None
            if want and not grabbed:
                device.grab()
                grabbed = True
            elif grabbed and not want:
                device.ungrab()
                grabbed = False

        sync_grab()
        if service.config.numlock:
            try:
                from evdev import ecodes

                device.set_led(ecodes.LED_NUML, 1)
            except Exception:  # read-only fd, no LED: the keymap covers NumLock-off codes anyway
                pass
        self._connected, self._down_reason = True, None
        self.backoff = service.config.reconnect_min_ms / 1000  # after a drop, start again with a short wait
        service.post(KeypadConnected(self.path, handler.counter))
        while not service.stopping.is_set():
            timeout = _POLL_S if handler.timing else _IDLE_POLL_S
            ready, _, _ = select.select([device, service.stop_fd], [], [], timeout)
            if device in ready:
                try:
                    for event in device.read():
                        handler.handle_event(event, service.clock())
                except BlockingIOError:
                    pass
            handler.tick(service.clock())
            sync_grab()


class KeypadInput(ABC):
    """The officers' keypads: actions are posted as events; pairings can be listed and reset."""

    @abstractmethod
    def list_pairings(self) -> list[Pairing]:
        """Which keypad drives which counter."""

    @abstractmethod
    def reset_pairings(self) -> int:
        """Forget all pairings (keypads are released and must be paired again)."""

    @abstractmethod
    def close(self) -> None:
        """Stop reading and release the keypads."""


class KeypadService(KeypadInput):
    """Finds keypads, reads each in its own thread, reconnects them.

    ``lister()`` returns candidate device paths (filtered here by ``devices`` and
    ``ignore``); ``opener(path)`` opens one or raises OSError. Paired paths are
    watched even while absent, so a missing keypad is reported at start-up.
    """

    def __init__(
        self,
        config: KeypadConfig,
        post: Callable[[Any], None],
        *,
        lister: Callable[[], list[str]],
        opener: Callable[[str], KeypadDevice],
        store: PairingStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        counters: Collection[int] | None = None,
        service_count: int | None = None,
    ) -> None:
        self.config = config
        self.post = post
        self.lister = lister
        self.opener = opener
        self.store = store if store is not None else PairingStore(config.pairings_file)
        self.clock = clock
        self.counters = counters
        self.service_count = service_count
        self.stopping = threading.Event()
        # A pipe that becomes readable on close(), so a reader asleep in select() stops at once.
        self._stop_pipe = os.pipe()
        #: The simulated backend's keypads (None for the real backend).
        self.simulated: SimulatedKeypads | None = None
        self._readers: dict[str, _Reader] = {}
        self._lock = threading.Lock()
        self._scanner: threading.Thread | None = None

    def wanted(self, path: str) -> bool:
        """Does the config ask for this path?"""
        return any(fnmatch.fnmatch(path, p) for p in self.config.devices) and not any(
            fnmatch.fnmatch(path, p) for p in self.config.ignore
        )

    def start(self) -> None:
        """Start the scanner thread (which starts the readers)."""
        self._scanner = threading.Thread(target=self._scan_loop, name="keypad scanner", daemon=True)
        self._scanner.start()

    def scan(self) -> None:
        """Start a reader for each new path."""
        paths = [p for p in self.lister() if self.wanted(p)] + self.store.devices()
        with self._lock:
            for path in paths:
                if path not in self._readers and not self.stopping.is_set():
                    reader = _Reader(path, self)
                    self._readers[path] = reader
                    reader.thread.start()

    def _scan_loop(self) -> None:
        while not self.stopping.is_set():
            self.scan()
            self.stopping.wait(self.config.scan_interval_ms / 1000)

    def watched(self) -> list[str]:
        """Paths that have a reader."""
        with self._lock:
            return sorted(self._readers)

    def list_pairings(self) -> list[Pairing]:
        return self.store.list()

    def reset_pairings(self) -> int:
        return self.store.reset()

    @property
    def stop_fd(self) -> int:
        """Readable once the service is closing (readers select() on it with their device)."""
        return self._stop_pipe[0]

    def close(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        os.write(self._stop_pipe[1], b"x")
        if self._scanner is not None:
            self._scanner.join(timeout=5)
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.thread.join(timeout=5)
        if not any(reader.thread.is_alive() for reader in readers):
            for fd in self._stop_pipe:
                os.close(fd)


# --------------------------------------------------------------------------
# The simulated backend: keypads in memory
# --------------------------------------------------------------------------

_CHAR_KEYS = {
    **{d: f"KEY_KP{d}" for d in "0123456789"},
    "\n": "KEY_KPENTER",
    ".": "KEY_KPDOT",
    "-": "KEY_KPMINUS",
    "+": "KEY_KPPLUS",
    "*": "KEY_KPASTERISK",
    "/": "KEY_KPSLASH",
    "\b": "KEY_BACKSPACE",
}


class SimulatedKeypad:
    """An in-memory keypad with the part of ``evdev.InputDevice`` the reader uses.

    Its ``fileno()`` is a pipe, so the reader's ``select()`` works unchanged.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.grabbed = False
        self.leds: dict[int, int] = {}
        self.grab_error: OSError | None = None  # set to make grab() fail
        self._events: deque[Any] = deque()
        self._lock = threading.Lock()
        self._unplugged = False
        self._r: int = -1
        self._w: int = -1

    def _open(self) -> SimulatedKeypad:
        with self._lock:
            if self._r < 0:
                self._r, self._w = os.pipe()
                os.set_blocking(self._r, False)
        return self

    def fileno(self) -> int:
        return self._r

    def read(self) -> Iterator[Any]:
        with self._lock:
            try:
                os.read(self._r, 4096)
            except BlockingIOError:
                pass
            if self._unplugged:
                raise OSError(errno.ENODEV, "No such device")
            if not self._events:
                raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
            events = list(self._events)
            self._events.clear()
        return iter(events)

    def grab(self) -> None:
        if self.grab_error is not None:
            raise self.grab_error
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def set_led(self, led_num: int, value: int) -> None:
        self.leds[led_num] = value

    def close(self) -> None:
        with self._lock:
            self.grabbed = False
            for fd in (self._r, self._w):
                if fd >= 0:
                    os.close(fd)
            self._r = self._w = -1
            self._events.clear()

    def send(self, code: int, value: int) -> None:
        """Queue one key event (value 1 down, 0 up, 2 autorepeat) and its SYN."""
        from evdev import InputEvent, ecodes

        now = time.time()
        sec, usec = int(now), int((now % 1) * 1_000_000)
        with self._lock:
            if self._w < 0:
                return  # not open: keys typed now are lost, as on a real unplugged device
            self._events.append(InputEvent(sec, usec, ecodes.EV_KEY, code, value))
            self._events.append(InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
            os.write(self._w, b"k")

    def tap(self, key_name: str) -> None:
        """Press and release the key ``key_name`` (an evdev name such as ``KEY_KPENTER``)."""
        from evdev import ecodes

        code = ecodes.ecodes[key_name]
        self.send(code, 1)
        self.send(code, 0)

    def type(self, text: str) -> None:
        """Tap keys by character: digits . - + * / and \\n for Enter, \\b for Backspace."""
        for char in text:
            self.tap(_CHAR_KEYS[char])

    def _unplug(self) -> None:
        with self._lock:
            self._unplugged = True
            if self._w >= 0:
                os.write(self._w, b"x")


class SimulatedKeypads:
    """The simulated backend's "USB bus": plug, unplug and type on keypads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugged: dict[str, SimulatedKeypad] = {}

    def plug(self, path: str) -> SimulatedKeypad:
        """Plug a (new) keypad in at ``path``."""
        with self._lock:
            keypad = SimulatedKeypad(path)
            self._plugged[path] = keypad
            return keypad

    def unplug(self, path: str) -> None:
        with self._lock:
            keypad = self._plugged.pop(path, None)
        if keypad is not None:
            keypad._unplug()

    def get(self, path: str) -> SimulatedKeypad:
        with self._lock:
            return self._plugged[path]

    def list_paths(self) -> list[str]:
        with self._lock:
            return sorted(self._plugged)

    def open(self, path: str) -> SimulatedKeypad:
        with self._lock:
            keypad = self._plugged.get(path)
        if keypad is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return keypad._open()


def find_devices(config: KeypadConfig) -> list[str]:
    """The device paths that match ``config.devices`` now (for the real backend and ``kiosk doctor``)."""
    return sorted({path for pattern in config.devices for path in glob.glob(pattern)})


def _real_lister(config: KeypadConfig) -> Callable[[], list[str]]:
    return lambda: find_devices(config)


def open_keypads(
    config: KeypadConfig,
    post: Callable[[Any], None],
    *,
    counters: Collection[int] | None = None,
    service_count: int | None = None,
    simulated: SimulatedKeypads | None = None,
    clock: Callable[[], float] = time.monotonic,
    start: bool = True,
) -> KeypadService:
    """Open the keypads the config asks for and start reading them.

    ``counters`` (the counter numbers) and ``service_count`` (how many services)
    let bad pairings and transfers beep instead of reaching the engine. For the
    simulated backend, pass your :class:`SimulatedKeypads` to plug keypads in, or
    use the one created (``service.simulated``).
    """
    store = PairingStore(config.pairings_file)
    sim: SimulatedKeypads | None = None
    if config.backend == "real":
        try:
            import evdev
        except ImportError as exc:
            raise DeviceError(
                "keypads", f"python-evdev is not installed ({exc})", "pip install evdev (or apt install python3-evdev)"
            ) from exc
        if not os.path.isdir("/dev/input"):
            raise DeviceError(
                "keypads",
                "this machine has no /dev/input",
                'run on the Pi, or set backend = "simulated" in [keypads]',
            )
        lister = _real_lister(config)
        opener: Callable[[str], KeypadDevice] = evdev.InputDevice
    else:
        sim = simulated if simulated is not None else SimulatedKeypads()
        lister, opener = sim.list_paths, sim.open
    service = KeypadService(
        config,
        post,
        lister=lister,
        opener=opener,
        store=store,
        clock=clock,
        counters=counters,
        service_count=service_count,
    )
    service.simulated = sim
    if start:
        service.start()
    return service


def main(argv: list[str] | None = None) -> int:
    """Technician's check: ``python -m drivers.keypad office.toml [seconds]`` prints what the keypads do."""
    import sys
    import tomllib

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m drivers.keypad CONFIG.toml [seconds]")
        return 2
    with open(args[0], "rb") as f:
        config = KeypadConfig.model_validate(tomllib.load(f).get("keypads", {}))
    seconds = float(args[1]) if len(args) > 1 else 60.0
    service = open_keypads(config, lambda event: print(event, flush=True), start=False)
    try:
        for pairing in service.list_pairings():
            print(f"paired: counter {pairing.counter} <- {pairing.device}", flush=True)
        print(f"type on the keypads ({seconds:.0f} s)...", flush=True)
        service.start()
        time.sleep(seconds)
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
