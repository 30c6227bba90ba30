"""A service press issues a ticket and hands its picture to the printer."""

from drivers.buttons import ServicePressed


def test_a_press_issues_and_prints(harness):
    harness.office.post(ServicePressed("a"))
    harness.settle()
    assert [job.view.number for job in harness.printer.jobs] == ["1001"]
    assert harness.office.view().figures.issued == 1
    assert [e.type for e in harness.stored] == ["day_started", "ticket_issued"]
