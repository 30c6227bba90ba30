"""Without paper no number is issued; the press is recorded and every counter's page beeps."""

from drivers.buttons import ServicePressed
from drivers.printer import PrinterState, PrinterStatus


def test_no_number_without_paper(harness):
    harness.printer.status = PrinterStatus(PrinterState.PAPER_OUT, "out of paper")
    harness.office.post(ServicePressed("a"))
    harness.settle()
    assert harness.printer.jobs == []
    assert harness.office.view().figures.issued == 0
    assert [e.data["state"] for e in harness.stored if e.type == "device_status"] == ["paper_out"]
    beeps = [c.beep for c in harness.office.view().counters]
    assert all(b is not None and b.text_vi == "Máy in không in được: chưa cấp số" for b in beeps)
