"""Text into the key events a scanner sends for it: the other side of :mod:`drivers.scanner.decoder` (pure).

The simulated scanner types codes with it, so a simulated scan runs through
the same decoder as a real one. A character the layout has is typed with its
key (and Shift or AltGr); any other one in the chosen ``method``:

- ``"alt"``: Alt held, the decimal code point on the numpad (``0`` first for
  one up to 255, as scanners imitating Windows do), Alt released;
- ``"ctrl_shift_u"``: Ctrl+Shift+U, the hex digits, Space (``held=True``:
  Ctrl+Shift held through the digits and released to end the character);
- ``"combining"``: the text decomposed (NFD), so each letter is its base
  letter typed with its key and its marks typed as Alt codes;
- ``"alt_utf8"``: as a cheap scanner does it, the text's UTF-8 bytes read as
  Windows-1252 characters ("Nguyễn" -> "Nguyá»…n"), each typed with its key or
  as an Alt code.

``"\\n"`` (and ``"\\r"``) type Enter, ``"\\t"`` Tab.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from drivers.keypad.keycodes import KEY_CODES
from drivers.scanner.layouts import Layout

#: How a scanner types what its layout lacks.
Method = Literal["alt", "ctrl_shift_u", "combining", "alt_utf8"]
METHODS: tuple[Method, ...] = ("alt", "ctrl_shift_u", "combining", "alt_utf8")

#: One key change: (key code, value), value 1 down and 0 up.
KeyChange = tuple[int, int]

_K = KEY_CODES
_SHIFT, _CTRL, _ALT, _ALTGR = _K["KEY_LEFTSHIFT"], _K["KEY_LEFTCTRL"], _K["KEY_LEFTALT"], _K["KEY_RIGHTALT"]
_SPECIAL = {"\n": _K["KEY_ENTER"], "\r": _K["KEY_ENTER"], "\t": _K["KEY_TAB"]}


def tap(code: int) -> list[KeyChange]:
    """Press and release one key."""
    return [(code, 1), (code, 0)]


def press(code: int, shift: bool = False, altgr: bool = False) -> list[KeyChange]:
    """One key with its modifiers held around it."""
    mods = ([_SHIFT] if shift else []) + ([_ALTGR] if altgr else [])
    return [(m, 1) for m in mods] + tap(code) + [(m, 0) for m in reversed(mods)]


def alt_keys(digits: str) -> list[KeyChange]:
    """Alt held while ``digits`` are typed on the numpad."""
    return [(_ALT, 1)] + [k for d in digits for k in tap(_K[f"KEY_KP{d}"])] + [(_ALT, 0)]


def alt_code_keys(char: str) -> list[KeyChange]:
    """``char`` as Alt + its decimal code on the numpad."""
    number = ord(char)
    return alt_keys(f"0{number}" if 160 <= number < 256 else str(number))  # 0xxx: Windows-1252, Latin-1 here


def _windows_byte(char: str) -> int:
    """The byte a Windows-1252 (or, for its holes, Latin-1) character stands for."""
    return ord(char) if ord(char) < 256 else char.encode("cp1252")[0]


def ctrl_shift_u_keys(char: str, layout: Layout, *, held: bool = False) -> list[KeyChange]:
    """``char`` as Ctrl+Shift+U and its hex digits, ended by Space (or, ``held``, by releasing Ctrl+Shift)."""
    keys = [(_CTRL, 1), (_SHIFT, 1)] + tap(_K["KEY_U"])
    if not held:
        keys += [(_SHIFT, 0), (_CTRL, 0)]
    for digit in f"{ord(char):x}":
        typing = layout.typing(digit)
        assert typing is not None  # every layout types 0-9 and a-f
        code, shift, _ = typing
        keys += tap(code) if held else press(code, shift)
    return keys + ([(_SHIFT, 0), (_CTRL, 0)] if held else tap(_K["KEY_SPACE"]))


def utf8_misread(text: str) -> str:
    """``text``'s UTF-8 bytes, each read as a Windows-1252 character (Latin-1 for its five holes)."""
    out = []
    for byte in unicodedata.normalize("NFC", text).encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def encode(text: str, layout: Layout, method: Method = "alt", *, held: bool = False) -> list[KeyChange]:
    """The key changes a scanner set to ``layout`` sends for ``text`` (no Enter at the end)."""
    if method == "alt_utf8":
        text = utf8_misread(text)
    form = "NFD" if method == "combining" else "NFC"
    keys: list[KeyChange] = []
    for char in unicodedata.normalize(form, text):
        typing = layout.typing(char)
        if char in _SPECIAL:
            keys += tap(_SPECIAL[char])
        elif typing is not None:
            keys += press(*typing)
        elif method == "ctrl_shift_u":
            keys += ctrl_shift_u_keys(char, layout, held=held)
        elif method == "alt_utf8":
            keys += alt_keys(f"0{_windows_byte(char)}")  # Alt+0xxx: the byte, as Windows types it
        else:
            keys += alt_code_keys(char)
    return keys
