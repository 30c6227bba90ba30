"""Two units with a month of real kiosk events (ratings, a reason, a dossier) uploaded through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from central import core
from central.models import Officer, Site
from tests.central.conftest import Central
from tests.central.kiosk_events import FakeKiosk

PASSWORD = "mật-khẩu-đủ-dài"
LEVELS = {1: ("Rất hài lòng", "very_satisfied"), 2: ("Hài lòng", "satisfied"),
          3: ("Bình thường", "satisfied"), 4: ("Không hài lòng", "dissatisfied")}


def rate(kiosk: FakeKiosk, ticket: str, level: int) -> None:
    """The citizen of ``ticket`` presses button ``level`` of the four-button scale."""
    label, counted = LEVELS[level]
    kiosk.add("rating_recorded", ticket_id=ticket, counter=1, level=level, service="a", officer="101",
              day=kiosk.now.date().isoformat(), scale=4, counted=counted, label=label)


def build(central: Central) -> None:
    """ld serves three citizens on 24/11/2026 (rated 1, 3 and 4 with a reason; one dossier); hn one."""
    client = TestClient(central.app)
    central.site("ld", "Phòng CSGT Lâm Đồng")
    central.site("hn", "Phòng CSGT Hà Nội")
    ld = FakeKiosk()
    for ticket, level in (("ld-1", 1), ("ld-2", 3), ("ld-3", 4)):
        ld.serve(ticket)
        rate(ld, ticket, level)
    day = ld.now.date().isoformat()
    ld.add("rating_reason_recorded", counter=1, ticket_id="ld-3", reason="thai_do", label="Thái độ cán bộ",
           service="a", officer="101", day=day)
    ld.add("dossier_attached", counter=1, ticket_id="ld-3", code="000.00.31.H47-261124-0007", source="keypad",
           service="a", officer="101", day=day)
    hn = FakeKiosk()
    hn.serve("hn-1")
    with central.engine.begin() as conn:
        tokens = {code: core.enroll(conn, core.new_enrolment_code(conn, code), f"pi-{code}") for code in ("ld", "hn")}
        site_id = conn.execute(Site.__table__.select().where(Site.code == "ld")).first().id
        conn.execute(Officer.__table__.insert().values(site_id=site_id, code="101", name="Nguyễn Văn An", updated_us=0))
        core.add_user(conn, "giamdoc", PASSWORD, "director")
        core.add_user(conn, "truong-ld", PASSWORD, "leader", "ld")
    ld.upload(client, tokens["ld"])
    hn.upload(client, tokens["hn"])
