"""Central never stores a citizen's personal data: the keys that carry it are dropped from every payload.

The kiosk keeps a citizen's name (and birth date) on the Pi only and sends
``"named": true`` instead; an older kiosk sent the name in ``name_called.name``.
Whatever a kiosk sends, :func:`scrub` removes every key that names personal data
(:data:`PERSONAL_KEYS`), at any depth of the payload (objects inside lists too),
before the event is stored. Keys compare without case, accents, spaces, ``_``
or ``-`` (``Full_Name``, ``fullName``, ``họ tên`` and ``ho_ten`` are all
``hoten``/``fullname``). What was dropped is said by its key and event type
(``name_called.name``), never by its value.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

#: The keys central never stores (compared as :func:`key_form` gives them).
PERSONAL_KEYS = frozenset({"name", "fullname", "hoten", "birthdate", "dob", "idnumber", "cccd", "address"})
_SEPARATORS = str.maketrans("", "", " _-.")


def key_form(key: str) -> str:
    """A key as compared with :data:`PERSONAL_KEYS`: no case, accents (đ is d) or separators."""
    plain = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))
    return plain.casefold().replace("đ", "d").translate(_SEPARATORS)


def is_personal(key: Any) -> bool:
    """Whether a payload key names personal data central must not keep."""
    return isinstance(key, str) and key_form(key) in PERSONAL_KEYS


def scrub(value: Any) -> tuple[Any, list[str]]:
    """``value`` without the personal keys at any depth, and the keys dropped (``["name"]``).

    Only the dropped keys themselves are returned, not the keys above them: a
    kiosk could put anything in a key, and what is logged must hold no personal data.
    """
    dropped: list[str] = []

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            kept = {}
            for key, inner in item.items():
                if is_personal(key):
                    dropped.append(key[:40])
                else:
                    kept[key] = walk(inner)
            return kept
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value), dropped


def scrub_text(payload: str) -> tuple[str, list[str]]:
    """A stored payload (canonical JSON text) without the personal keys, and the keys dropped.

    The text comes back unchanged when nothing is dropped (or when it is not
    JSON: central stores what it was given, and the figures treat it as unknown).
    """
    try:
        data = json.loads(payload)
    except (ValueError, TypeError, RecursionError):
        return payload, []
    cleaned, dropped = scrub(data)
    if not dropped:
        return payload, []
    return json.dumps(cleaned, ensure_ascii=False, sort_keys=True, separators=(",", ":")), dropped
