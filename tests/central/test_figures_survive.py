"""Every figure survives any stored value (issue 11, point 1): a property test over stored rows.

Arbitrary event rows (types, payloads that are not JSON or not objects, fields of
any type, times anywhere in a BIGINT, quarantined or not) and arbitrary site
configurations are written straight into the database for one site's kiosk, and
the site's summary tables are rebuilt from them (``central.summary.rebuild``, as
``kiosk-central rebuild-summaries`` does); then every page and CSV answers 200,
every figure is a finite number or empty, and the other site's figures and
ranking row are exactly what they were.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import core, figures, summary
from central.models import Event, Site
from tests.central.conftest import Central, kiosk_store, serve_citizens, store_rows

PASSWORD = "mật-khẩu-đủ-dài"
DAY = "2026-11-24"
INT64 = st.integers(-(2**63), 2**63 - 1)
NEAR = st.integers(core.iso_to_us("2026-11-20T00:00:00Z"), core.iso_to_us("2026-11-28T00:00:00Z"))
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20)


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(), TEXT,
                        st.sampled_from(["t-1", "t-2", DAY, "a", "1234"]), st.integers(0, 5))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)


FIELDS = st.fixed_dictionaries({}, optional={
    "ticket_id": st.one_of(st.sampled_from(["t-1", "t-2", "t-3"]), _json_values()),
    "day": st.one_of(st.sampled_from([DAY, "2026-11-25", ""]), _json_values()),
    "service": st.one_of(st.sampled_from(["a", "b"]), _json_values()),
    "counter": st.one_of(st.integers(0, 4), _json_values()),
    "officer": st.one_of(st.sampled_from(["1234", ""]), _json_values()),
    "level": st.one_of(st.integers(-1, 6), _json_values()),
    "named": st.one_of(st.booleans(), _json_values()),
    "group": st.one_of(st.sampled_from(["cao_tuoi", "benh", "x" * 40, "Cao Tuổi"]), _json_values()),
    "results_later": st.one_of(st.booleans(), _json_values()),
    "scale": st.one_of(st.integers(0, 6), _json_values()),
    "counted": st.one_of(st.sampled_from(["very_satisfied", "satisfied", "dissatisfied", "neutral"]), _json_values()),
    "reason": st.one_of(st.sampled_from(["thai_do", "khac", "Lý do"]), _json_values()),
    "code": st.one_of(st.sampled_from(["000.00.31.H47-241130-0001", "12345", "x" * 41, "mã hồ sơ"]), _json_values()),
})
PAYLOADS = st.one_of(
    FIELDS.map(lambda d: json.dumps(d, ensure_ascii=False)),
    _json_values().map(json.dumps),  # valid JSON that is not an object, or an object of anything
    TEXT,  # not JSON at all
    st.just('{"ticket_id": "t-1", "day": "' + DAY + '"' + "[" * 3000),
)
ROWS = st.lists(
    st.fixed_dictionaries({
        "type": st.one_of(st.sampled_from(figures.TICKET_TYPES + figures.RESULT_TYPES), TEXT.map(lambda t: t[:64])),
        "payload": PAYLOADS,
        "wall_time": TEXT,
        "wall_us": st.one_of(NEAR, INT64),
        "corrected_us": st.one_of(st.none(), NEAR, INT64),
        "mono_ns": INT64,
        "boot_id": TEXT,
        "clock_synced": st.booleans(),
        "received_us": INT64,
        "quarantine": st.one_of(st.none(), TEXT),
    }),
    max_size=12,
)
CONFIGS = st.one_of(
    st.none(), TEXT,
    st.builds(lambda rating: json.dumps({"rating": rating}, ensure_ascii=False), _json_values()),
    st.builds(lambda tz: json.dumps({"site": {"timezone": tz}}), st.one_of(TEXT, st.integers(), st.just("x" * 300))),
    st.builds(lambda groups: json.dumps({"priority_groups": groups}, ensure_ascii=False),  # the groups' names
              st.one_of(_json_values(), st.lists(st.fixed_dictionaries(
                  {"id": st.one_of(st.sampled_from(["cao_tuoi", "benh"]), _json_values()),
                   "name": st.one_of(st.fixed_dictionaries({"vi": _json_values()}, optional={"en": _json_values()}),
                                     _json_values())}), max_size=3))),
)


def sign_in(client: TestClient) -> TestClient:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"username": "giamdoc", "password": PASSWORD, "csrf": csrf},
                       follow_redirects=False).status_code == 303
    return client


@pytest.fixture
def offices(central: Central, tmp_path: Path) -> dict:
    """hn: a good kiosk with real events; ld: the kiosk whose rows the test writes."""
    client = TestClient(central.app)
    central.site("hn", "Phòng CSGT Hà Nội")
    central.site("ld", "Phòng CSGT Lâm Đồng")
    with central.engine.begin() as conn:
        good = core.enroll(conn, core.new_enrolment_code(conn, "hn"), "pi-hn")
        bad = core.enroll(conn, core.new_enrolment_code(conn, "ld"), "pi-ld")
        core.add_user(conn, "giamdoc", PASSWORD, "director")
    store = kiosk_store(tmp_path / "hn.db")
    serve_citizens(store, 3)
    store.close()
    events = [{"seq": r[0], "uuid": r[1], "type": r[2], "payload": json.loads(r[3]), "wall_time": r[4],
               "mono_ns": r[5], "boot_id": r[6], "clock_synced": bool(r[7])} for r in store_rows(tmp_path / "hn.db")]
    answer = client.post("/api/v1/events", json={"device_id": good["device_id"], "events": events},
                         headers={"Authorization": f"Bearer {good['token']}"})
    assert answer.status_code == 200 and answer.json()["acked_seq"] == len(events)
    return {"bad": bad["device_id"], "client": sign_in(client)}


def hn_figures(central: Central) -> tuple[dict, list]:
    with central.engine.connect() as conn:
        sites = figures.all_sites(conn)
        hn = next(s for s in sites if s.code == "hn")
        mine = {p: figures.site_figures(conn, hn, p, date(2026, 11, 24)) for p in figures.PERIODS}
        rank = [{k: v for k, v in r.items() if k not in ("rank", "site")} | {"code": r["site"].code}
                for r in figures.ranking(conn, sites, "month", date(2026, 11, 24)) if r["site"].code == "hn"]
    return mine, rank


def finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


PAGES = ["/", "/ranking", "/ranking.csv", "/ranking.json", "/sites/ld", "/sites/ld/export.csv",
         "/sites/ld/figures.json", "/sites/hn"] + [
    f"{page}?period={period}&day={DAY}"
    for page in ("/ranking", "/ranking.csv", "/ranking.json", "/sites/ld", "/sites/ld/export.csv", "/sites/ld/figures.json")
    for period in figures.PERIODS
]


@pytest.mark.properties
def test_every_page_and_figure_survives_any_stored_row(central: Central, offices: dict) -> None:
    baseline = hn_figures(central)
    client: TestClient = offices["client"]

    @given(rows=ROWS, config=CONFIGS)
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    def check(rows: list[dict[str, Any]], config: str | None) -> None:
        with central.engine.begin() as conn:
            conn.execute(Event.__table__.delete().where(Event.device_id == offices["bad"]))
            site_id = conn.execute(Site.__table__.select().where(Site.code == "ld")).one().id
            conn.execute(Site.__table__.update().where(Site.id == site_id).values(config_json=config))
            if rows:
                conn.execute(Event.__table__.insert(), [
                    {**row, "device_id": offices["bad"], "site_id": site_id, "seq": i + 1, "uuid": str(uuid.uuid4())}
                    for i, row in enumerate(rows)
                ])
            summary.rebuild(conn, site_id)
        for path in PAGES:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text[:500])
            if path.split("?")[0].endswith(".csv"):
                table = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff")), delimiter=";"))
                assert all(len(r) == len(table[0]) for r in table)
                assert all(math.isfinite(float(c.replace(".", "").replace(",", "."))) for r in table[1:] for c in r
                           if re.fullmatch(r"-?[\d.]+,\d+", c))  # Vietnamese numbers: 1.234,5
        with central.engine.connect() as conn:
            ld = conn.execute(Site.__table__.select().where(Site.code == "ld")).one()
            for period in figures.PERIODS:
                data = figures.site_figures(conn, ld, period, date(2026, 11, 24))
                assert finite(data["total"]) and finite(data["groups"]) and finite(data["score"])
                assert finite(data["priority_groups"]) and all(isinstance(n, int) for n in data["results"].values())
                assert all(isinstance(g["name_vi"], str) and g["name_vi"] for g in data["priority_groups"])
                assert all(0 <= h <= 23 for hours in data["by_hour"].values() for h in hours)
        assert hn_figures(central) == baseline  # one bad kiosk changes no other site's figures or rank

    check()
