"""The inbox takes typed messages only: banners are set and cleared by messages; anything else is ignored."""

import pytest

from kiosk import commands as cmd
from kiosk.errors import DomainError
from kiosk.messages import ClearBanner, SetBanner
from kiosk.view import Banner


def test_banners_are_set_and_cleared_by_messages(harness):
    harness.office.post(SetBanner("web", Banner("error", "Trang web không chạy", "Web pages not served")))
    harness.settle()
    assert [b.text_vi for b in harness.office.view().banners] == ["Trang web không chạy"]
    harness.office.post(ClearBanner("web"))
    harness.settle()
    assert harness.office.view().banners == ()


def test_an_unknown_item_is_ignored_and_the_office_goes_on(harness):
    harness.office.post(lambda: None)  # type: ignore[arg-type]  # not a message: never run
    harness.office.post(object())  # type: ignore[arg-type]
    events = harness.office.submit(cmd.Issue("a", "t1"))
    assert [e.type for e in events][-1] == "ticket_issued"


def test_a_refused_request_raises_in_the_caller(harness):
    with pytest.raises(DomainError) as refused:
        harness.office.submit(cmd.CallNext(1))
    assert refused.value.code == "nobody_waiting"
