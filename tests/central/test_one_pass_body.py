"""A batch of events is validated straight from the body's bytes, and means exactly what it meant before.

``central.guard`` hands the batch's bytes to pydantic (``BatchIn`` is a
``OnePassBody``) instead of reading them into Python with ``json.loads`` and
validating that. Whatever that accepts must be what the ordinary two steps give,
event for event and payload text for payload text; whatever it refuses goes the
ordinary way, so the 422 is the ordinary one.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from central import guard
from central.app import BatchIn
from tests.central.conftest import Central
from tests.central.test_strict_input import event

ORDINARY = TypeAdapter(BatchIn)


def ordinary(raw: bytes) -> BatchIn | None:
    """The two steps the guard takes for any other body: read the JSON, check its depth, validate."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if guard.depth(value) > guard.MAX_DEPTH:
        return None
    try:
        return ORDINARY.validate_python(value)
    except ValidationError:
        return None


def one_pass(raw: bytes) -> BatchIn | None:
    try:
        return BatchIn.model_validate_json(raw)
    except ValidationError:
        return None


def stored(batch: BatchIn) -> list[tuple[Any, ...]]:
    """What the route takes from a batch: every field, and the payload's canonical text."""
    return [(e.seq, e.uuid, e.type, e.payload.text, dict(e.payload), e.wall_time, e.mono_ns, e.boot_id,
             e.clock_synced, e.device_id) for e in batch.events]


def test_a_batch_is_stored_without_json_loads(central: Central, client: TestClient, device: dict, monkeypatch) -> None:
    loads: list[str] = []

    def counted(text: str) -> Any:
        loads.append(text)
        return json.loads(text)

    monkeypatch.setattr(guard, "json", SimpleNamespace(loads=counted, dumps=json.dumps, JSONDecodeError=json.JSONDecodeError))
    body = {"device_id": device["device_id"], "events": [event(1), event(2, payload={"display": "Bà Nguyễn", "n": [1, {"a": None}]})]}
    answer = client.post("/api/v1/events", json=body, headers=device["headers"])
    assert answer.status_code == 200 and answer.json()["acked_seq"] == 2
    assert loads == []
    assert central.scalar("SELECT payload FROM events WHERE seq = 2") == '{"display":"Bà Nguyễn","n":[1,{"a":null}]}'

    # A refused batch is read the ordinary way, and answered as before.
    answer = client.post("/api/v1/events", json={**body, "events": [{**event(3), "seq": "3"}]}, headers=device["headers"])
    assert answer.status_code == 422 and any(line.startswith("body.events.0.seq:") for line in answer.json()["detail"])
    assert len(loads) == 1


def test_a_payload_nested_too_deep_is_refused_as_before(client: TestClient, device: dict) -> None:
    deep: Any = 1
    for _ in range(guard.MAX_DEPTH - 5):
        deep = [deep]
    fits = {"device_id": device["device_id"], "events": [event(1, payload={"x": deep})]}
    assert guard.depth(fits) == guard.MAX_DEPTH
    assert client.post("/api/v1/events", json=fits, headers=device["headers"]).status_code == 200
    too_deep = {"device_id": device["device_id"], "events": [event(2, payload={"x": [deep]})]}
    answer = client.post("/api/v1/events", json=too_deep, headers=device["headers"])
    assert answer.status_code == 422
    assert "nests deeper than 64 levels" in " ".join(answer.json()["detail"])


def test_a_missing_token_is_still_401_before_the_body_counts(client: TestClient, device: dict) -> None:
    body = {"device_id": device["device_id"], "events": [event(1)]}
    assert client.post("/api/v1/events", json=body).status_code == 401
    assert client.post("/api/v1/events", json={**body, "events": [{**event(1), "seq": "x"}]}).status_code == 401


# -- whatever one pass accepts, the ordinary two steps accept alike --

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["Cà Mau", "Ca\u0300 Mau", "\ud800", "\x00", "1", "2026-11-24T08:00:00+07:00"]),
)
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                     max_leaves=12)
_fields = {
    "seq": st.one_of(st.integers(min_value=-1, max_value=2**54), st.sampled_from([1.0, 2.5, "1", True])),
    "uuid": st.sampled_from(["00000000-0000-4000-8000-000000000001", "00000000000040008000000000000001",
                             "{00000000-0000-4000-8000-000000000001}", "not-a-uuid"]),
    "type": st.sampled_from(["ticket_issued", "Ticket", "", "a" * 65]),
    "payload": st.one_of(st.dictionaries(st.text(max_size=6), _json, max_size=4), _json),
    "wall_time": st.sampled_from(["2026-11-24T08:00:00+07:00", "2026-11-24T08:00:60Z", "2026-02-30T08:00:00Z",
                                  "2026-11-24 08:00:00", "0000-01-01T00:00:00.123456789-23:59"]),
    "mono_ns": st.one_of(st.integers(min_value=-1, max_value=2**63), st.sampled_from([1e3, 1.5, "5"])),
    "boot_id": st.sampled_from(["boot-1", "", "b" * 65, "a b"]),
    "clock_synced": st.sampled_from([True, False, 0, "true", None]),
    "device_id": st.sampled_from(["dev-1", None, "\x00", 5]),
}


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    events = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        keys = draw(st.sets(st.sampled_from(sorted(_fields))))
        valid = event(1, device_id="dev-1")
        events.append({**{k: v for k, v in valid.items() if k not in keys or draw(st.booleans())},
                       **{k: draw(_fields[k]) for k in keys}})
    body: dict[str, Any] = {"device_id": draw(st.sampled_from(["dev-1", "", 7])), "events": events}
    if draw(st.booleans()):
        body["boot_id"] = draw(_fields["boot_id"])
    if draw(st.booleans()):
        body[draw(st.sampled_from(["sent_mono_ns", "extra"]))] = draw(_fields["mono_ns"])
    text = json.dumps(body, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.booleans()):  # the same value written as a float, the way other clients might
        text = text.replace('"mono_ns": 1', '"mono_ns": 1.0e0', 1)
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(bodies())
def test_one_pass_accepts_only_what_the_ordinary_way_accepts_and_alike(raw: bytes) -> None:
    fast = one_pass(raw)
    if fast is None:
        return  # the guard then takes the ordinary way itself
    slow = ordinary(raw)
    assert slow is not None, raw
    assert fast.model_dump(exclude={"events"}) == slow.model_dump(exclude={"events"})
    assert _same(stored(fast), stored(slow)), raw


def _same(a: Any, b: Any) -> bool:
    """Equal, with a NaN equal to a NaN (never stored, but compared here as parsed)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
