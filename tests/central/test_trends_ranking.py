"""The ranking's movement, classification and minimum sample; the unit page's trends and satisfaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central import core
from central.app import create_app
from central.settings import Ranking, Settings
from kiosk import commands as E
from tests.central.conftest import Central, kiosk_store
from tests.central.test_dashboard import PASSWORD, sign_in, upload

#: site -> (name, [(first day, ratings of the citizens served that day)])
OFFICES = {
    "ld": ("Phòng CSGT Lâm Đồng", [("2026-10-20", [4, 4, 4, 4]), ("2026-11-24", [1, 1, 1, 1])]),
    "hn": ("Phòng CSGT Hà Nội", [("2026-10-20", [1, 1, 1, 1]), ("2026-11-24", [4, 4, 4, 4])]),
    "ct": ("Phòng CSGT Cần Thơ", [("2026-11-24", [2, 2, 3, 4])]),
    "dl": ("Phòng CSGT Đắk Lắk", [("2026-11-24", [1])]),
}


def serve(store: object, ratings: list[int]) -> None:
    """Each citizen waits a minute, is served two and presses ``ratings[i]``."""
    for level in ratings:
        store.execute(E.Issue("a", f"t-{uuid.uuid4()}"))  # type: ignore[attr-defined]
        store.clock.advance(minutes=1)  # type: ignore[attr-defined]
        store.execute(E.CallNext(1))  # type: ignore[attr-defined]
        store.execute(E.StartService(1))  # type: ignore[attr-defined]
        store.clock.advance(minutes=2)  # type: ignore[attr-defined]
        store.execute(E.Complete(1))  # type: ignore[attr-defined]
        store.execute(E.Rate(1, level))  # type: ignore[attr-defined]


@pytest.fixture
def app(central: Central, tmp_path: Path) -> Iterator[TestClient]:
    """Four units over October and November 2026, on an app whose minimum sample is 3 tickets."""
    client = TestClient(central.app)
    for code, (name, days) in OFFICES.items():
        central.site(code, name)
        for day, ratings in days:
            with central.engine.begin() as conn:
                token = core.enroll(conn, core.new_enrolment_code(conn, code), f"pi-{code}-{day}")
            store = kiosk_store(tmp_path / f"{code}-{day}.db", boot_id=f"boot-{day}", start=f"{day} 08:00")
            serve(store, ratings)
            store.close()
            upload(client, token, tmp_path / f"{code}-{day}.db")
    with central.engine.begin() as conn:
        core.add_user(conn, "giamdoc", PASSWORD, "director")
    app = create_app(central.url, settings=Settings(ranking=Ranking(min_tickets=3)))
    yield sign_in(TestClient(app), "giamdoc")
    app.state.engine.dispose()


def cells(page: str, site: str, cls: str) -> str:
    return re.search(rf'<tr data-site="{site}">.*?<td class="{cls}">(.*?)</td>', page, re.S).group(1)


def test_the_ranking_shows_each_units_move_since_the_previous_month(app: TestClient) -> None:
    page = app.get("/ranking?period=month&day=2026-11-24").text
    assert [(cells(page, s, "rank"), cells(page, s, "move")) for s in ("ld", "ct", "hn")] == [
        ("1", "▲1"), ("2", "mới"), ("3", "▼2")]


def test_a_unit_below_the_minimum_sample_is_listed_after_the_ranked_but_not_ranked(app: TestClient) -> None:
    page = app.get("/ranking?period=month&day=2026-11-24").text
    assert 'class="unranked">Chưa đủ mẫu (n &lt; 3 phiếu)</span>' in cells(page, "dl", "rank")
    assert cells(page, "dl", "move") == "" and cells(page, "dl", "class") == "—"
    assert page.index('data-site="hn"') < page.index('data-site="dl"')


def test_the_ranking_classifies_each_ranked_unit(app: TestClient) -> None:
    page = app.get("/ranking?period=month&day=2026-11-24").text
    assert cells(page, "ld", "class") == "Xuất sắc"  # score 99,5
    assert cells(page, "hn", "class") == "Trung bình"  # nobody satisfied: score 59,5
    assert "Xuất sắc ≥ 90; Tốt ≥ 80; Khá ≥ 65; Trung bình ≥ 50; Yếu dưới 50" in page


def test_the_ranking_csv_opens_in_a_vietnamese_spreadsheet(app: TestClient) -> None:
    text = app.get("/ranking.csv?period=month&day=2026-11-24").text
    assert text.startswith("\ufeffKỳ;Hạng;Hạng kỳ trước;Thay đổi;")
    ld = next(line for line in text.splitlines() if ";ld;" in line).split(";")
    assert ld[:4] == ["Tháng 11/2026", "1", "2", "▲1"] and "99,5" in ld


def test_the_unit_page_draws_twelve_months_of_tickets_and_satisfaction(app: TestClient) -> None:
    page = app.get("/sites/ld?period=month&day=2026-11-24").text
    tickets = re.search(r'<figure class="trend" id="trend-month-tickets">.*?</figure>', page, re.S).group(0)
    assert len(re.findall(r">\d\d/\d{4}</text>", tickets)) == 12 and ">11/2026</text>" in tickets
    assert "<title>01/10/2026–31/10/2026: 4</title>" in tickets and "<title>01/11/2026–30/11/2026: 4</title>" in tickets
    satisfaction = re.search(r'id="trend-month-satisfaction">.*?</figure>', page, re.S).group(0)
    assert "<title>01/10/2026–31/10/2026: 0,0%</title>" in satisfaction
    assert "<title>01/11/2026–30/11/2026: 100,0%</title>" in satisfaction


def test_the_unit_page_draws_twelve_weeks(app: TestClient) -> None:
    page = app.get("/sites/ld?period=week&day=2026-11-24").text
    waits = re.search(r'id="trend-week-wait_avg_min">.*?</figure>', page, re.S).group(0)
    assert len(re.findall(r">\d\d/\d\d</text>", waits)) == 12 and ">23/11</text>" in waits
    assert "<title>23/11/2026–29/11/2026: 1,0 phút</title>" in waits


def test_the_unit_page_counts_satisfaction_by_level_and_by_button(app: TestClient) -> None:
    page = app.get("/sites/ct?period=month&day=2026-11-24").text
    counted = {key: n for key, n in re.findall(r'<tr data-counted="(\w+)">.*?</td><td>(\d+)</td>', page)}
    assert counted == {"very_satisfied": "0", "satisfied": "3", "dissatisfied": "1"}
    presses = dict(re.findall(r'<tr data-level="(\d)">.*?<td>(\d+)</td></tr>', page))
    assert presses == {"1": "0", "2": "2", "3": "1", "4": "1"}
    assert "Bình thường được tính là Hài lòng" in page
    assert re.search(r'data-figure="Satisfaction index">.*?<b>75,0%</b>', page)
    assert re.search(r'data-figure="Classification">.*?<b>(Xuất sắc|Tốt|Khá|Trung bình|Yếu)</b>', page)
