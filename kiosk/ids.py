"""The ids the kiosk makes for what it records (events, tickets): UUIDs that grow with time.

They are version 7 UUIDs (RFC 9562, section 5.7): the first 48 bits are the
Unix time in milliseconds, then 74 random bits (only ids of the same
millisecond can meet, and two of them do so once in 2^74). Central keeps every event
and ticket in indexes keyed by these ids; ids made one after another land at
the end of those indexes, pages that stay in memory, where random ids would
touch any page of an index larger than memory, once per event
(docs/central.md, "Ids that grow with time").
"""

from __future__ import annotations

import secrets
import time
import uuid

_RANDOM_BITS = 74


def time_ordered_uuid(unix_ms: int | None = None, random_bits: int | None = None) -> str:
    """A new version 7 UUID as text, made now (or at ``unix_ms``; with ``random_bits``, 74 bits, reproducibly)."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    rand = secrets.randbits(_RANDOM_BITS) if random_bits is None else random_bits
    rand_a, rand_b = rand >> 62 & 0xFFF, rand & (1 << 62) - 1
    value = (ms & (1 << 48) - 1) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
