"""The kiosk's ids (kiosk.ids): version 7 UUIDs that sort in the order they were made."""

from __future__ import annotations

import time
import uuid

from hypothesis import assume, given, strategies as st

from kiosk import commands as cmd
from kiosk.ids import time_ordered_uuid

MS = st.integers(min_value=0, max_value=(1 << 48) - 1)
BITS = st.integers(min_value=0, max_value=(1 << 74) - 1)


def test_the_first_48_bits_are_the_time_in_ms_and_the_rest_is_the_random_part():
    made = uuid.UUID(time_ordered_uuid(1_796_025_600_000, (0xABC << 62) | 0x123456789))  # 30/11/2026 00:00 UTC
    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert made.int >> 80 == 1_796_025_600_000 and str(made)[14:18] == "7abc"
    assert made.int & ((1 << 62) - 1) == 0x123456789


@given(MS, MS, BITS, BITS)
def test_an_id_made_in_a_later_millisecond_sorts_after_as_text_and_as_a_uuid(ms1, ms2, bits1, bits2):
    assume(ms1 != ms2)
    first, second = sorted([(ms1, bits1), (ms2, bits2)])
    a, b = time_ordered_uuid(*first), time_ordered_uuid(*second)
    assert a < b and uuid.UUID(a) < uuid.UUID(b)


def test_ids_made_in_the_same_millisecond_are_all_different():
    made = {time_ordered_uuid(1_796_025_600_000) for _ in range(10_000)}
    assert len(made) == 10_000
    assert {uuid.UUID(u).version for u in made} == {7}


def test_the_store_gives_each_event_an_id_of_the_time_it_was_recorded(open_store, small):
    before = time.time_ns() // 1_000_000
    store = open_store(small)
    store.execute(cmd.Issue("a", time_ordered_uuid(), False))
    after = time.time_ns() // 1_000_000
    ids = [uuid.UUID(e.uuid) for e in store.events()]
    assert len(ids) == 2 and {u.version for u in ids} == {7}
    assert all(before <= u.int >> 80 <= after for u in ids)
