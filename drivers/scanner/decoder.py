"""Key events into characters, as the scanner's layout and its ways of typing non-ASCII letters say (pure).

:class:`KeyDecoder` takes one key change at a time (code, and value 1 down /
0 up / 2 autorepeat) and tracks Shift, Ctrl, Alt, AltGr and CapsLock itself, so
it needs no device library and no keyboard settings of the machine. It returns
pieces: text, :data:`END` (Enter or Tab: the code is complete) or
:class:`Undecodable` (keys that type no character).

A scanner types a letter its layout lacks (every Vietnamese letter with a tone
mark, and ``đ``) in one of these ways, all decoded here:

- **Alt + numpad digits** (the "Unicode" / "Alt" mode of Honeywell, Zebra and
  Datalogic scanners): the decimal code point while Alt is held, the character
  when Alt is released. As on Windows, a number of at most 255 typed with a
  leading ``0`` is a Windows-1252 code (``Alt+0128`` is ``€``); any other number
  is the Unicode code point (``Alt+7877`` is ``ễ``).
- **Ctrl+Shift+U, hex digits, then Space or Enter** (GTK and IBus on Linux),
  or with Ctrl+Shift held through the digits and the character typed when they
  are released.
- **a base letter and combining marks** typed as Alt codes (the decomposed,
  NFD form): the pieces are joined and NFC-normalised when the code is complete
  (:mod:`drivers.scanner.handler`).
- **UTF-8 bytes as Alt codes**: cheap scanners read a QR code's UTF-8 bytes as
  Windows-1252 characters and type each as an Alt code ("Nguyá»…n" for
  "Nguyễn"). :func:`repair_utf8` turns such a code back into its text, once
  it is complete; nothing a real name holds looks like that.
- the layout's **dead keys** (circumflex on "de" and "fr", acute and grave on
  "de", diaeresis on "fr") before a letter.

Autorepeat is ignored: a scanner never holds a key, so a repeat can only be a
stuck key; for the same reason :meth:`KeyDecoder.reset` (at every pause)
releases the modifiers and CapsLock.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

from drivers.base import nfc
from drivers.keypad.keycodes import KEY_CODES, key_name
from drivers.scanner.layouts import Dead, Layout


class End:
    """Enter or Tab: the code typed so far is complete."""

    def __repr__(self) -> str:
        return "END"


#: The one :class:`End`.
END = End()


@dataclass(frozen=True)
class Undecodable:
    """Keys that type no character; ``reason`` says which kind (never which characters were typed)."""

    reason: str


#: What :meth:`KeyDecoder.key` returns, in order.
Piece = str | End | Undecodable

_K = KEY_CODES
_SHIFT = frozenset({_K["KEY_LEFTSHIFT"], _K["KEY_RIGHTSHIFT"]})
_CTRL = frozenset({_K["KEY_LEFTCTRL"], _K["KEY_RIGHTCTRL"]})
_META = frozenset({_K["KEY_LEFTMETA"], _K["KEY_RIGHTMETA"]})
_LEFTALT, _RIGHTALT = _K["KEY_LEFTALT"], _K["KEY_RIGHTALT"]
_KP_DIGITS = {_K[f"KEY_KP{d}"]: d for d in string.digits}
_ENDS = frozenset({_K["KEY_ENTER"], _K["KEY_KPENTER"], _K["KEY_TAB"]})
_HEX_COMMIT = frozenset({_K["KEY_SPACE"], _K["KEY_ENTER"], _K["KEY_KPENTER"]})
_CAPSLOCK = _K["KEY_CAPSLOCK"]
_IGNORED = frozenset({_K["KEY_NUMLOCK"], _K["KEY_SCROLLLOCK"]})
_MAX_ALT_DIGITS = 7  # 1114111, the last code point
_MAX_HEX_DIGITS = 6  # 10FFFF
_BOM = "\ufeff"  # some QR codes start with one: dropped
# Ctrl+M, Ctrl+J and Ctrl+I are CR, LF and Tab for scanners that send control characters that way.
_CTRL_ENDS = frozenset("mji")


def alt_code_char(digits: str) -> str | None:
    """The character Alt + these numpad digits types, or None for a number that is no character."""
    number = int(digits)
    if digits.startswith("0") and number < 256:
        try:
            return bytes([number]).decode("cp1252")
        except UnicodeDecodeError:  # the five holes of Windows-1252 type their Latin-1 control
            return chr(number)
    return chr(number) if 0 < number <= 0x10FFFF else None


def hex_code_char(digits: str) -> str | None:
    """The character Ctrl+Shift+U + these hex digits types, or None."""
    number = int(digits, 16)
    return chr(number) if 0 < number <= 0x10FFFF else None


def not_text(char: str) -> bool:
    """Is ``char`` no text: a surrogate, a private-use or unassigned code point (controls are checked apart)?"""
    return unicodedata.category(char) in ("Cs", "Co", "Cn")


def _byte(char: str) -> int:
    if ord(char) < 256:
        return ord(char)
    encoded = char.encode("cp1252")  # UnicodeEncodeError (a ValueError) for a character beyond it
    return encoded[0]


def repair_utf8(text: str) -> str:
    """``text`` as UTF-8 if it is UTF-8 bytes read one by one as Windows-1252 or Latin-1 characters, else ``text``.

    "Nguyá»…n" -> "Nguyễn". A real name never passes for such bytes: it holds
    letters beyond Windows-1252 (ễ, ư, đ), or Latin-1 letters that are no valid
    UTF-8 in a row ("Lê" is the bytes 4C EA, and EA must be followed by two
    continuation bytes).
    """
    if text.isascii():
        return text
    try:
        return bytes(_byte(char) for char in text).decode("utf-8")
    except ValueError:  # a character beyond Windows-1252, or bytes that are no UTF-8
        return text


class KeyDecoder:
    """One scanner's key changes into text pieces on ``layout`` (pure; one thread uses it)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._shift: set[int] = set()
        self._ctrl: set[int] = set()
        self._alt: set[int] = set()
        self._altgr: set[int] = set()
        self._meta: set[int] = set()
        self._caps = False
        self._alt_digits: str | None = None  # None: no Alt code being typed
        self._hex: str | None = None  # None: not after Ctrl+Shift+U
        self._hex_held = False  # hex digits were typed with Ctrl+Shift held: their release ends the character
        self._dead: Dead | None = None

    @property
    def busy(self) -> bool:
        """True in the middle of a character: Alt digits, Ctrl+Shift+U digits or a dead key not yet resolved."""
        return bool(self._alt_digits) or self._hex is not None or self._dead is not None

    def reset(self) -> None:
        """Start afresh (the scanner fell silent): no unfinished character, no modifier held, CapsLock off.

        A scanner holds no key across a pause, so a modifier still down is a
        lost key release (garbage, a replug): it must not change the next code.
        """
        for held in (self._shift, self._ctrl, self._alt, self._altgr, self._meta):
            held.clear()
        self._caps = False
        self._alt_digits = None
        self._hex = None
        self._hex_held = False
        self._dead = None

    def key(self, code: int, value: int) -> list[Piece]:
        """One key change (value 1 down, 0 up, 2 autorepeat); the pieces it completes."""
        if value not in (0, 1):
            return []  # autorepeat: a stuck key, never a scanner's typing
        down = value == 1
        if code in _SHIFT or code in _CTRL:
            held = self._shift if code in _SHIFT else self._ctrl
            if down:
                held.add(code)
                return []
            held.discard(code)
            return self._modifiers_released()
        if code == _LEFTALT or (code == _RIGHTALT and not self.layout.altgr):
            return self._alt_key(code, down)
        if code == _RIGHTALT or code in _META:
            held = self._altgr if code == _RIGHTALT else self._meta
            if down:
                held.add(code)
            else:
                held.discard(code)
            return []
        if not down or code in _IGNORED:
            return []
        if code == _CAPSLOCK:
            self._caps = not self._caps
            return []
        if self._hex is not None:
            return self._hex_key(code)
        if self._alt:
            return self._alt_digit(code)
        if self._ctrl:
            return self._ctrl_key(code)
        if self._meta:
            return [Undecodable("the Windows key with another key (set the scanner to send plain keys)")]
        if code in _ENDS:
            self._dead = None  # a dead key before Enter types nothing
            return [END]
        entry = self.layout.char(code, shift=bool(self._shift), altgr=bool(self._altgr), caps=self._caps)
        if entry is None:
            return [self._no_character(code)]
        if isinstance(entry, Dead):
            out = [self._dead.spacing] if self._dead is not None else []
            self._dead = entry
            return out
        return self._typed(entry)

    # -- the ways of typing one character ---------------------------------------------------------

    def _alt_key(self, code: int, down: bool) -> list[Piece]:
        if down:
            if not self._alt:
                self._alt_digits = ""
            self._alt.add(code)
            return []
        self._alt.discard(code)
        if self._alt:
            return []
        digits, self._alt_digits = self._alt_digits, None
        if not digits:
            return []  # a lone Alt, or an Alt code already refused
        return self._produced(alt_code_char(digits), "an Alt code")

    def _alt_digit(self, code: int) -> list[Piece]:
        digit = _KP_DIGITS.get(code)
        if self._alt_digits is None or digit is None:
            self._alt_digits = None
            return [Undecodable("Alt with a key other than the numpad digits")]
        self._alt_digits += digit
        if len(self._alt_digits) > _MAX_ALT_DIGITS:
            self._alt_digits = None
            return [Undecodable("an Alt code with too many digits")]
        return []

    def _ctrl_key(self, code: int) -> list[Piece]:
        letter = self.layout.char(code)
        letter = letter.lower() if isinstance(letter, str) else ""
        if letter == "u" and self._shift and not self._alt:
            self._hex, self._hex_held = "", False
            return []
        if letter in _CTRL_ENDS:
            return [END]
        return [Undecodable("Ctrl with another key (set the scanner to send plain keys)")]

    def _hex_key(self, code: int) -> list[Piece]:
        digits = self._hex or ""
        if code in _HEX_COMMIT:
            self._hex, self._hex_held = None, False
            return self._produced(hex_code_char(digits), "a Ctrl+Shift+U code") if digits else []
        held = bool(self._ctrl) and bool(self._shift)
        if not digits and held and self.layout.char(code) == "u":
            return []  # U again while Ctrl+Shift are still held
        digit = self._hex_digit(code)
        if digit is None or len(digits) >= _MAX_HEX_DIGITS:
            self._hex, self._hex_held = None, False
            return [Undecodable("Ctrl+Shift+U followed by a key that is no hex digit")]
        self._hex = digits + digit
        self._hex_held = self._hex_held or held
        return []

    def _hex_digit(self, code: int) -> str | None:
        # With Ctrl+Shift held, "1" is Shift+1 ("!" on "us"); on "fr" a plain 1 is Shift+&. Try both levels.
        for shift in (bool(self._shift), not self._shift):
            char = self.layout.char(code, shift=shift)
            if isinstance(char, str) and len(char) == 1 and char in string.hexdigits:
                return char.lower()
        return None

    def _modifiers_released(self) -> list[Piece]:
        if self._hex and self._hex_held and not self._ctrl and not self._shift:
            digits, self._hex, self._hex_held = self._hex, None, False
            return self._produced(hex_code_char(digits), "a Ctrl+Shift+U code")
        return []

    def _produced(self, char: str | None, way: str) -> list[Piece]:
        """A character typed by its code (Alt or Ctrl+Shift+U)."""
        if char in ("\r", "\n", "\t"):
            return [END]
        if char == _BOM:
            return []
        if char is None or (char < "\x80" and not char.isprintable()) or not_text(char):
            # C1 controls (U+0080-U+009F) pass: UTF-8 bytes typed one by one hold them (repair_utf8)
            return [Undecodable(f"{way} that is no printable character")]
        return self._typed(char)

    def _typed(self, char: str) -> list[Piece]:
        dead, self._dead = self._dead, None
        if dead is None:
            return [char]
        if char == " ":
            return [dead.spacing]
        composed = nfc(char + dead.mark)
        return [composed] if len(composed) == 1 else [dead.spacing, char]

    def _no_character(self, code: int) -> Undecodable:
        if self.layout.char(code) is None and self.layout.char(code, shift=True) is None:
            # a key that never types (F5, Esc, an arrow): its name says nothing of the code
            return Undecodable(f"{key_name(code)} types no character (is the scanner set to send plain text?)")
        return Undecodable(f"AltGr with a key that types nothing on the {self.layout.name!r} layout")
