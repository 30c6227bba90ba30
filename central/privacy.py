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
from functools import lru_cache
from typing import Any

from central.canonical import canonical_json

#: The keys central never stores (compared as :func:`key_form` gives them).
PERSONAL_KEYS = frozenset({"name", "fullname", "hoten", "birthdate", "dob", "idnumber", "cccd", "address"})
_SEPARATORS = str.maketrans("", "", " _-.")


@lru_cache(maxsize=4096)  # payloads repeat a few dozen keys: each is compared once
def key_form(key: str) -> str:
    """A key as compared with :data:`PERSONAL_KEYS`: no case, accents (đ is d) or separators."""
    plain = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))
    return plain.casefold().replace("đ", "d").translate(_SEPARATORS)


def is_personal(key: Any) -> bool:
    """Whether a payload key names personal data central must not keep."""
    return isinstance(key, str) and _personal(key)


@lru_cache(maxsize=4096)
def _personal(key: str) -> bool:
    return key_form(key) in PERSONAL_KEYS


def scrub(value: Any) -> tuple[Any, list[str]]:
    """``value`` without the personal keys at any depth, and the keys dropped (``["name"]``).

    Only the dropped keys themselves are returned, not the keys above them: a
    kiosk could put anything in a key, and what is logged must hold no personal data.
    """
    if not _holds_personal(value):
        return value, []  # the usual case: nothing to drop, nothing to copy
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


def _holds_personal(item: Any) -> bool:
    """Whether a personal key is anywhere in ``item`` (a read-only walk: cheaper than copying)."""
    # Plain loops: one frame per level of nesting, no deeper than the copying walk; no call for
    # a plain value (most of a payload).
    if isinstance(item, dict):
        for key, inner in item.items():
            if is_personal(key) or (isinstance(inner, dict | list) and _holds_personal(inner)):
                return True
    elif isinstance(item, list):
        for inner in item:
            if isinstance(inner, dict | list) and _holds_personal(inner):
                return True
    return False


def scrub_json(payload: str) -> tuple[str, Any, list[str]]:
    """A stored payload (canonical JSON text) without the personal keys, its value, and the keys dropped.

    The text comes back unchanged when nothing is dropped, or when it is not
    JSON (central stores what it was given, and the figures treat it as
    unknown; its value is then None). It is parsed once, for ingest to use.
    """
    try:
        data = json.loads(payload)
    except (ValueError, TypeError, RecursionError):
        return payload, None, []
    cleaned, dropped = scrub(data)
    if not dropped:
        return payload, data, []
    return canonical_json(cleaned), cleaned, dropped
