"""Keyboard layouts: which character a key types, with Shift or AltGr, as the scanner is set up (pure).

A keyboard-wedge scanner sends key codes for the layout it is set to (its
"keyboard country"): ``|`` is Shift+``\\`` on "us", AltGr+``<`` on "de" and
AltGr+``6`` on "fr", and the digits need Shift on "fr". The tables follow
xkeyboard-config's ``us``, ``de`` and ``fr`` layouts (levels 1-3), with their
dead keys; numpad keys type digits whatever NumLock says (scanners send them for
Alt codes). Letters that need more (Vietnamese ones) come as Alt codes or
Ctrl+Shift+U (:mod:`drivers.scanner.decoder`).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.keypad.keycodes import KEY_CODES


@dataclass(frozen=True)
class Dead:
    """A dead key: it types nothing, but puts ``mark`` (a combining mark) on the next letter."""

    mark: str
    spacing: str  # what it types before a space, or before a letter it cannot go on


CIRCUMFLEX, ACUTE, GRAVE, DIAERESIS = Dead("\u0302", "^"), Dead("\u0301", "´"), Dead("\u0300", "`"), Dead("\u0308", "¨")

#: What a key types: a character, a dead key, or nothing (None).
Entry = str | Dead | None

# The letter rows, by the physical key (evdev names the key by its place on a US keyboard).
_LETTER_KEYS = "QWERTYUIOPASDFGHJKLZXCVBNM"

_NUMPAD: dict[str, tuple[Entry, Entry, Entry]] = {
    **{f"KEY_KP{d}": (d, d, None) for d in "0123456789"},
    "KEY_KPDOT": (".", ".", None), "KEY_KPSLASH": ("/", "/", None), "KEY_KPASTERISK": ("*", "*", None),
    "KEY_KPMINUS": ("-", "-", None), "KEY_KPPLUS": ("+", "+", None), "KEY_KPEQUAL": ("=", "=", None),
}

_US: dict[str, tuple[Entry, Entry, Entry]] = {
    "KEY_GRAVE": ("`", "~", None), "KEY_1": ("1", "!", None), "KEY_2": ("2", "@", None), "KEY_3": ("3", "#", None),
    "KEY_4": ("4", "$", None), "KEY_5": ("5", "%", None), "KEY_6": ("6", "^", None), "KEY_7": ("7", "&", None),
    "KEY_8": ("8", "*", None), "KEY_9": ("9", "(", None), "KEY_0": ("0", ")", None), "KEY_MINUS": ("-", "_", None),
    "KEY_EQUAL": ("=", "+", None), "KEY_LEFTBRACE": ("[", "{", None), "KEY_RIGHTBRACE": ("]", "}", None),
    "KEY_BACKSLASH": ("\\", "|", None), "KEY_SEMICOLON": (";", ":", None), "KEY_APOSTROPHE": ("'", '"', None),
    "KEY_COMMA": (",", "<", None), "KEY_DOT": (".", ">", None), "KEY_SLASH": ("/", "?", None),
    "KEY_102ND": ("<", ">", None),
}

_DE: dict[str, tuple[Entry, Entry, Entry]] = {
    "KEY_GRAVE": (CIRCUMFLEX, "°", None), "KEY_1": ("1", "!", None), "KEY_2": ("2", '"', "²"),
    "KEY_3": ("3", "§", "³"), "KEY_4": ("4", "$", None), "KEY_5": ("5", "%", None), "KEY_6": ("6", "&", None),
    "KEY_7": ("7", "/", "{"), "KEY_8": ("8", "(", "["), "KEY_9": ("9", ")", "]"), "KEY_0": ("0", "=", "}"),
    "KEY_MINUS": ("ß", "?", "\\"), "KEY_EQUAL": (ACUTE, GRAVE, None), "KEY_Q": ("q", "Q", "@"),
    "KEY_E": ("e", "E", "€"), "KEY_Y": ("z", "Z", None), "KEY_Z": ("y", "Y", None), "KEY_M": ("m", "M", "µ"),
    "KEY_LEFTBRACE": ("ü", "Ü", None), "KEY_RIGHTBRACE": ("+", "*", "~"), "KEY_SEMICOLON": ("ö", "Ö", None),
    "KEY_APOSTROPHE": ("ä", "Ä", None), "KEY_BACKSLASH": ("#", "'", None), "KEY_102ND": ("<", ">", "|"),
    "KEY_COMMA": (",", ";", None), "KEY_DOT": (".", ":", None), "KEY_SLASH": ("-", "_", None),
    "KEY_KPDOT": (",", ",", None),  # the German numpad has a decimal comma
}

_FR: dict[str, tuple[Entry, Entry, Entry]] = {
    "KEY_GRAVE": ("²", "~", None), "KEY_1": ("&", "1", None), "KEY_2": ("é", "2", "~"), "KEY_3": ('"', "3", "#"),
    "KEY_4": ("'", "4", "{"), "KEY_5": ("(", "5", "["), "KEY_6": ("-", "6", "|"), "KEY_7": ("è", "7", "`"),
    "KEY_8": ("_", "8", "\\"), "KEY_9": ("ç", "9", "^"), "KEY_0": ("à", "0", "@"), "KEY_MINUS": (")", "°", "]"),
    "KEY_EQUAL": ("=", "+", "}"), "KEY_Q": ("a", "A", None), "KEY_W": ("z", "Z", None), "KEY_E": ("e", "E", "€"),
    "KEY_A": ("q", "Q", None), "KEY_Z": ("w", "W", None), "KEY_SEMICOLON": ("m", "M", None),
    "KEY_LEFTBRACE": (CIRCUMFLEX, DIAERESIS, None), "KEY_RIGHTBRACE": ("$", "£", "¤"),
    "KEY_APOSTROPHE": ("ù", "%", None), "KEY_BACKSLASH": ("*", "µ", None), "KEY_102ND": ("<", ">", None),
    "KEY_M": (",", "?", None), "KEY_COMMA": (";", ".", None), "KEY_DOT": (":", "/", None),
    "KEY_SLASH": ("!", "§", None),
}


class Layout:
    """One keyboard layout: what each key types (:meth:`char`) and how to type a character (:meth:`typing`)."""

    def __init__(self, name: str, keys: dict[str, tuple[Entry, Entry, Entry]], *, altgr: bool) -> None:
        self.name = name
        #: Does the right Alt key act as AltGr (True) or as a second Alt (False, "us")?
        self.altgr = altgr
        table = {KEY_CODES[f"KEY_{c}"]: (c.lower(), c, None) for c in _LETTER_KEYS}
        table[KEY_CODES["KEY_SPACE"]] = (" ", " ", None)
        table.update({KEY_CODES[name]: entries for name, entries in keys.items()})
        for name, entries in _NUMPAD.items():
            table.setdefault(KEY_CODES[name], entries)
        self._keys: dict[int, tuple[Entry, Entry, Entry]] = table
        self._typing: dict[str, tuple[int, bool, bool]] = {}
        for code, (plain, shifted, third) in table.items():
            for entry, shift, altgr_ in ((plain, False, False), (shifted, True, False), (third, False, True)):
                if isinstance(entry, str):
                    self._typing.setdefault(entry, (code, shift, altgr_))

    def char(self, code: int, *, shift: bool = False, altgr: bool = False, caps: bool = False) -> Entry:
        """What key ``code`` types with these modifiers; None if it types no character."""
        entries = self._keys.get(code)
        if entries is None:
            return None
        plain, shifted, third = entries
        if altgr:
            return third
        if caps and isinstance(plain, str) and plain.isalpha() and shifted == plain.upper():
            shift = not shift  # CapsLock turns letters only
        return shifted if shift else plain

    def typing(self, char: str) -> tuple[int, bool, bool] | None:
        """How to type ``char`` on this layout: (key code, Shift, AltGr), or None if no key types it."""
        return self._typing.get(char)


#: The layouts by their name in ``[scanner] layout``.
LAYOUTS: dict[str, Layout] = {
    "us": Layout("us", _US, altgr=False),
    "de": Layout("de", _DE, altgr=True),
    "fr": Layout("fr", _FR, altgr=True),
}
