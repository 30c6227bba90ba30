"""The text of a payload as central stores it: canonical JSON, written by one encoder.

Keys sorted, no spaces, characters as they are (not ``\\u`` escapes), and no
NaN or Infinity, which JSON does not have: the API refuses a payload holding
them (``central.app``), so a payload that reaches ``central.core`` never does.
The same value always gives the same text, so a payload re-written after its
personal keys are dropped (``central.privacy``) reads as the kiosk's own.
"""

from __future__ import annotations

import json
from typing import Any

# One encoder for every payload: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: Any) -> str:
    """``value`` as stored; ValueError for NaN or Infinity, RecursionError past Python's nesting limit."""
    return _ENCODER.encode(value)
