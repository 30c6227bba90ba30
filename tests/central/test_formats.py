"""Numbers, dates and periods as a Vietnamese reader writes them (central.formats)."""

from __future__ import annotations

from datetime import date

import pytest

from central.formats import parse_day, period_label, vi_date, vi_day, vi_int, vi_minutes, vi_number, vi_percent


def test_a_decimal_takes_a_comma_and_thousands_a_dot() -> None:
    assert vi_number(0.94) == "0,9"
    assert vi_number(1234.56, 2) == "1.234,56"
    assert vi_number(2, 0) == "2"


def test_a_count_groups_thousands_with_a_dot() -> None:
    assert vi_int(1234) == "1.234"
    assert vi_int(1234567) == "1.234.567"
    assert vi_int(0) == "0"


def test_a_share_reads_as_a_percentage_without_a_space() -> None:
    assert vi_percent(0.875) == "87,5%"
    assert vi_percent(1.0, 0) == "100%"


def test_minutes_read_with_their_unit() -> None:
    assert vi_minutes(0.9) == "0,9 phút"
    assert vi_minutes(75.26) == "75,3 phút"


@pytest.mark.parametrize("show", [vi_number, vi_int, vi_percent, vi_minutes])
def test_nothing_to_measure_reads_as_a_dash(show) -> None:  # type: ignore[no-untyped-def]
    assert show(None) == "—"
    assert show(float("nan")) == "—"


def test_a_date_reads_day_first() -> None:
    assert vi_date(date(2026, 11, 30)) == "30/11/2026"
    assert vi_date(date(2027, 1, 5)) == "05/01/2027"


@pytest.mark.parametrize(("period", "first", "end", "label"), [
    ("day", date(2026, 11, 30), date(2026, 12, 1), "Ngày 30/11/2026"),
    ("week", date(2026, 11, 23), date(2026, 11, 30), "Tuần 23/11–29/11/2026"),
    ("week", date(2026, 12, 28), date(2027, 1, 4), "Tuần 28/12/2026–03/01/2027"),
    ("month", date(2026, 11, 1), date(2026, 12, 1), "Tháng 11/2026"),
    ("quarter", date(2026, 10, 1), date(2027, 1, 1), "Quý 4/2026"),
    ("year", date(2026, 1, 1), date(2027, 1, 1), "Năm 2026"),
])
def test_a_period_is_named_as_a_heading_names_it(period: str, first: date, end: date, label: str) -> None:
    assert period_label(period, first, end) == label


@pytest.mark.parametrize("typed, day", [
    ("30/11/2026", date(2026, 11, 30)), ("1/2/2026", date(2026, 2, 1)), (" 30.11.2026 ", date(2026, 11, 30)),
    ("30-11-2026", date(2026, 11, 30)), ("2026-11-30", date(2026, 11, 30)),  # ISO: the pages' own links
])
def test_a_day_is_read_day_first_as_typed_or_as_iso(typed: str, day: date) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize("typed, says", [
    ("31/11/2026", "không có ngày 31/11/2026"), ("30/11/26", "ví dụ 30/11/2026"), ("11/30", "ví dụ 30/11/2026"),
])
def test_a_day_that_cannot_be_read_says_so_in_vietnamese_first(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_day(typed)


def test_a_days_field_shows_the_day_first() -> None:
    assert vi_day("2026-11-30") == "30/11/2026"
    assert vi_day("not a day") == "not a day"  # shown back as typed
