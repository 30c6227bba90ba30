"""Report downloads over HTTP: who may download what, the file names, and bad periods."""

from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.central import report_offices
from tests.central.conftest import Central
from tests.central.test_dashboard import sign_in

NOVEMBER = "period=month&day=2026-11-24"


@pytest.fixture
def offices(central: Central) -> None:
    report_offices.build(central)


def signed_in(central: Central, username: str) -> TestClient:
    return sign_in(TestClient(central.app), username, report_offices.PASSWORD)


def test_a_director_downloads_a_units_xlsx_with_its_figures(central: Central, offices: None) -> None:
    answer = signed_in(central, "giamdoc").get(f"/sites/ld/report.xlsx?{NOVEMBER}")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="bao-cao-ld-2026-11.xlsx"'
    book = load_workbook(BytesIO(answer.content))
    officers = book["Cán bộ"]
    header = [c.value for c in officers[4]]
    an = dict(zip(header, [c.value for c in officers[5]]))
    assert an["Cán bộ"] == "Nguyễn Văn An (101)" and an["Số phiếu"] == 3
    assert (an["Rất hài lòng"], an["Hài lòng"], an["Không hài lòng"]) == (1, 1, 1)
    reasons = {r[0]: r[1] for r in book["Lý do"].iter_rows(min_row=5, values_only=True)}
    assert reasons["Thái độ cán bộ"] == 1
    dossier = [c.value for c in book["Hồ sơ"][5]]
    assert dossier[1] == "000.00.31.H47-261124-0007" and dossier[4] == "Nguyễn Văn An (101)"


def test_a_quarters_pdf_is_named_for_the_quarter(central: Central, offices: None) -> None:
    answer = signed_in(central, "giamdoc").get("/sites/ld/report.pdf?period=quarter&day=2026-11-24")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer.headers["content-disposition"] == 'attachment; filename="bao-cao-ld-2026-q4.pdf"'


def test_a_leader_downloads_their_own_units_report(central: Central, offices: None) -> None:
    answer = signed_in(central, "truong-ld").get(f"/sites/ld/report.pdf?{NOVEMBER}")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")


def test_a_leader_cannot_download_another_units_report(central: Central, offices: None) -> None:
    client = signed_in(central, "truong-ld")
    for path in ("/sites/hn/report.xlsx", "/sites/hn/report.pdf", "/sites/khong-co/report.xlsx"):
        answer = client.get(f"{path}?{NOVEMBER}")
        assert answer.status_code == 403 and "Không có quyền xem trang này" in answer.text, path


def test_a_leaders_ranking_holds_only_their_unit(central: Central, offices: None) -> None:
    answer = signed_in(central, "truong-ld").get(f"/ranking.xlsx?{NOVEMBER}")
    assert answer.headers["content-disposition"] == 'attachment; filename="xep-hang-2026-11.xlsx"'
    units = [r[2] for r in load_workbook(BytesIO(answer.content))["Xếp hạng"].iter_rows(min_row=5, values_only=True)]
    assert units == ["Phòng CSGT Lâm Đồng"]


def test_the_directors_ranking_pdf_lists_every_unit(central: Central, offices: None) -> None:
    answer = signed_in(central, "giamdoc").get(f"/ranking.pdf?{NOVEMBER}")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")


def test_a_bad_period_or_day_is_refused_with_the_reason(central: Central, offices: None) -> None:
    client = signed_in(central, "giamdoc")
    answer = client.get("/sites/ld/report.xlsx?period=week")
    assert answer.status_code == 422 and "period must be month or quarter" in answer.json()["detail"]
    answer = client.get("/ranking.pdf?period=month&day=30-11-2026")
    assert answer.status_code == 422 and "day must be a date YYYY-MM-DD" in answer.json()["detail"]


def test_without_a_session_the_downloads_go_to_sign_in(central: Central, offices: None) -> None:
    client = TestClient(central.app)
    for path in ("/sites/ld/report.xlsx", "/sites/ld/report.pdf", "/ranking.xlsx", "/ranking.pdf"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path


def test_the_unit_page_links_to_its_quarters_reports(central: Central, offices: None) -> None:
    client = signed_in(central, "giamdoc")
    page = client.get("/sites/ld?period=quarter&day=2026-11-24").text
    link = "/sites/ld/report.pdf?period=quarter&day=2026-11-24"
    assert f'href="{link}"' in page and 'href="/sites/ld/report.xlsx?period=quarter&day=2026-11-24"' in page
    assert client.get(link).headers["content-disposition"] == 'attachment; filename="bao-cao-ld-2026-q4.pdf"'


def test_the_ranking_page_of_a_day_links_to_its_months_reports(central: Central, offices: None) -> None:
    page = signed_in(central, "giamdoc").get("/ranking?period=day&day=2026-11-24").text
    assert 'href="/ranking.xlsx?period=month&day=2026-11-24"' in page
    assert 'href="/ranking.pdf?period=month&day=2026-11-24"' in page
