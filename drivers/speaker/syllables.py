"""The bank of recorded name syllables (``sounds/vi/syllables/``): file names, and what is missing.

An office may record a person saying the syllables of citizens' names, one
file each. A name whose every syllable has a file is said by joining those
clips; any other name is said by the speech engine (espeak-ng's Vietnamese
voice). This module is pure but for reading the folder's listing.

**File names are the Telex spelling of the syllable, in lower-case ASCII**, so
that they survive the FAT boot partition (no Vietnamese letters in its file
names on every system, and no upper/lower case difference), git on every
computer (macOS stores accented names decomposed) and typing by a person with
a Vietnamese keyboard (Telex is what most of them type with):

- the letters with marks are spelled ``ă aw``, ``â aa``, ``ê ee``, ``ô oo``,
  ``ơ ow``, ``ư uw``, ``đ dd``, in place;
- the tone is one letter at the END: ``s`` sắc, ``f`` huyền, ``r`` hỏi,
  ``x`` ngã, ``j`` nặng; none for ngang.

"nguyễn" -> ``nguyeenx.wav``, "hường" -> ``huwowngf.wav``, "đặng" ->
``ddawngj.wav``, "ước" -> ``uwowcs.wav``, "an" -> ``an.wav``.

Only Vietnamese syllables have a file name (:func:`syllable_file` gives None
for others, such as "ksor" in "K'Sor", and the engine says such names). That
keeps the spelling one-to-one: a Vietnamese syllable never ends in s, r or x,
never holds f, j, w or z, nor a doubled a, d, e or o of its own ("xoong" is
refused, since its spelling would be that of "xông").
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterable

from drivers.names import normalise_name, syllables

#: The bank's folder under ``sounds_dir``, and the clip-name prefix of its files.
SYLLABLES_DIR = "vi/syllables"

_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
# Combining marks that make ă â ê ô ơ ư, by the letter they sit on.
_MARKS = {("a", "\u0306"): "aw", ("a", "\u0302"): "aa", ("e", "\u0302"): "ee",
          ("o", "\u0302"): "oo", ("o", "\u031b"): "ow", ("u", "\u031b"): "uw"}
_LETTERS = set("abcdeghiklmnopqrstuvxy")
_VOWELS = set("aeiouy")


def syllable_file(syllable: str) -> str | None:
    """The bank's file name for ``syllable`` without ``.wav`` ("nguyễn" -> "nguyeenx"),
    or None when it is not a Vietnamese syllable (it cannot have a clip)."""
    text = unicodedata.normalize("NFD", syllable.lower())
    if not text or text.endswith(("s", "r", "x")):
        return None
    for double in ("aa", "dd", "ee", "oo"):
        if double in text:
            return None
    out: list[str] = []
    tone = ""
    base, marked = "", False  # the letter the next combining mark sits on; has it one already
    for char in text:
        if char in _TONES:
            if tone or base not in _VOWELS:
                return None  # two tones, or a tone on a consonant
            tone = _TONES[char]
        elif (base, char) in _MARKS and not marked:
            out[-1] = _MARKS[(base, char)]
            marked = True
        elif char == "đ":
            out.append("dd")
            base, marked = "", False
        elif char in _LETTERS:
            out.append(char)
            base, marked = char, False
        else:
            return None  # f j w z, a digit, a mark on the wrong letter, another script
    return "".join(out) + tone


def syllable_clip(syllable: str) -> str | None:
    """The clip name of ``syllable`` in the bank ("vi/syllables/nguyeenx"), or None."""
    stem = syllable_file(syllable)
    return f"{SYLLABLES_DIR}/{stem}" if stem else None


def name_clips(name: str) -> tuple[str, ...]:
    """The bank's clip names for every syllable of a normalised ``name``, in
    order; () when one of them cannot have a clip."""
    clips = [syllable_clip(s) for s in syllables(name)]
    if not clips or any(c is None for c in clips):
        return ()
    return tuple(c for c in clips if c)


def banked(sounds_dir: Path) -> set[str]:
    """The file names (without ``.wav``) in the bank under ``sounds_dir``."""
    folder = Path(sounds_dir) / SYLLABLES_DIR
    try:
        return {p.stem for p in folder.glob("*.wav") if p.is_file()}
    except OSError:
        return set()


def missing_syllables(names: Iterable[str], sounds_dir: Path) -> dict[str, int]:
    """The syllables of ``names`` that have no clip in the bank: syllable -> how
    many of the names need it, most needed first (then alphabetical).

    Names are normalised first (see :func:`drivers.names.normalise_name`);
    syllables are lower case NFC ("nguyễn"). A name counts once per syllable
    it lacks. Syllables that cannot have a clip (:func:`syllable_file` is
    None) are listed too: their names are always said by the engine.
    """
    have = banked(sounds_dir)
    needed: Counter[str] = Counter()
    for raw in names:
        name = normalise_name(raw)
        for syllable in dict.fromkeys(syllables(name)):
            if syllable_file(syllable) not in have:
                needed[syllable] += 1
    return dict(sorted(needed.items(), key=lambda item: (-item[1], item[0])))
