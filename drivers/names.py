"""Citizens' names: the one normal form, and how much of a name a board may show (pure).

A name reaches the kiosk from a CCCD's QR code (upper case on some cards,
decomposed accents from some scanners, doubled spaces) or from an officer's
page. :func:`normalise_name` gives the one form every output uses: NFC, one
space between syllables, each syllable capitalised ("NGUYỄN  thị hường" ->
"Nguyễn Thị Hường"). The speech engine, the syllable clips, the ticket and the
board all read that form, so they never disagree about a name.
"""

from __future__ import annotations

import re
from typing import Literal

from drivers.base import nfc

#: How a board shows a name: "initials" ("Nguyễn V. A."), "full", or "off" (not at all).
BoardNames = Literal["initials", "full", "off"]

#: The longest name kept (a CCCD holds at most a few dozen letters; more is garbage).
MAX_NAME_LENGTH = 60

# A syllable: letters, with an inner hyphen or apostrophe at most ("K'Sor", "Hơ-Mok").
_SYLLABLE = re.compile(r"^[^\W\d_]+(?:['\-][^\W\d_]+)*$")


def normalise_name(text: str) -> str:
    """``text`` as a name in its one normal form, or "" when it is not a name.

    NFC, whitespace collapsed, each syllable's first letter upper case and the
    rest lower case. Anything but letters (with an inner ``-`` or ``'``) makes
    it not a name: digits, punctuation, control characters.
    """
    words = nfc(text).split()
    if not words or not all(_SYLLABLE.match(w) for w in words):
        return ""
    name = " ".join(_capitalise(w) for w in words)
    return name if len(name) <= MAX_NAME_LENGTH else ""


def _capitalise(word: str) -> str:
    # str.capitalize lowers the letter after a hyphen too; keep "Hơ-Mok".
    parts = re.split(r"(['\-])", word)
    return "".join(p[:1].upper() + p[1:].lower() if p not in ("-", "'") else p for p in parts)


def syllables(name: str) -> list[str]:
    """The syllables of a normalised name, lower case ("Nguyễn Văn An" -> ["nguyễn", "văn", "an"])."""
    return [s.lower() for s in re.split(r"[\s\-']+", name) if s]


def mask_name(name: str, style: BoardNames = "initials") -> str | None:
    """What a board shows of ``name``: the family name and initials, all of it, or nothing (None).

    "Nguyễn Văn An" -> "Nguyễn V. A." (initials), "Nguyễn Văn An" (full), None (off).
    """
    if style == "off" or not name:
        return None
    if style == "full":
        return name
    family, *rest = name.split()
    return " ".join([family] + [w[0].upper() + "." for w in rest])
