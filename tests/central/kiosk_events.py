"""Kiosk events written by hand, as issue 12's kiosk sends them (named tickets, groups, results calls).

The tests of central's side use them to say exactly what a kiosk sent; the
kiosk's own tests check that its engine writes these shapes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


class FakeKiosk:
    """Numbered events of one device, its clock moving forward as the test says (NTP-synchronised)."""

    def __init__(self, start: str = "2026-11-24 08:00") -> None:
        self.now = datetime.fromisoformat(start).replace(tzinfo=HCM)
        self.boot = datetime.fromisoformat(start).replace(tzinfo=HCM) - timedelta(hours=1)
        self.events: list[dict[str, Any]] = []

    def wait(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)

    def at(self, day: str, time: str = "08:00") -> None:
        """Move the clock to another day (a citizen comes back)."""
        self.now = datetime.fromisoformat(f"{day} {time}").replace(tzinfo=HCM)

    def add(self, kind: str, **payload: Any) -> None:
        seq = len(self.events) + 1
        self.events.append({
            "seq": seq, "uuid": str(uuid.uuid4()), "type": kind,
            "payload": {**payload, "at": self.now.isoformat()},
            "wall_time": self.now.isoformat(), "mono_ns": int((self.now - self.boot).total_seconds() * 1e9),
            "boot_id": "boot-1", "clock_synced": True,
        })

    def serve(self, ticket: str, service: str = "a", *, wait: float = 1, named: bool = False,
              group: str | None = None, results_later: bool = False, counter: int = 1) -> None:
        """Issue ``ticket``, call it after ``wait`` minutes, serve and complete it."""
        self.issue(ticket, service, named=named, group=group)
        self.wait(wait)
        self.add("ticket_called", ticket_id=ticket, counter=counter, officer="101")
        self.add("service_started", ticket_id=ticket, counter=counter)
        self.wait(2)
        self.add("ticket_completed", ticket_id=ticket, counter=counter, officer="101", results_later=results_later)

    def issue(self, ticket: str, service: str = "a", *, named: bool = False, group: str | None = None) -> None:
        day = self.now.date().isoformat()
        self.add("ticket_issued", ticket_id=ticket, day=day, service=service, display=ticket[-4:],
                 named=named, group=group)

    def no_show(self, ticket: str, service: str = "a", *, wait: float = 1, group: str | None = None) -> None:
        self.issue(ticket, service, group=group)
        self.wait(wait)
        self.add("ticket_called", ticket_id=ticket, counter=1, officer="101")
        self.add("ticket_no_show", ticket_id=ticket, counter=1, reason="officer")

    def results_call(self, ticket: str, day: str, *, named: bool = False, service: str = "a") -> None:
        self.add("results_called", ticket_id=ticket, day=day, display=ticket[-4:], service=service, counter=2,
                 officer="101", named=named)

    def upload(self, client: TestClient, token: dict) -> dict[str, Any]:
        answer = client.post("/api/v1/events", json={"device_id": token["device_id"], "events": self.events},
                             headers={"Authorization": f"Bearer {token['token']}"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["acked_seq"] == len(self.events)
        return answer.json()
