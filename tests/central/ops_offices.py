"""Offices as the operations room hears them, for its tests: a kiosk's events and heartbeats sent through the API.

``OpsOffice`` keeps one enrolled kiosk's event log (``FakeKiosk``, its clock at
the real now) and posts what a real kiosk posts: ``/api/v1/events`` (tickets
issued some minutes ago, ratings) and ``/api/v1/heartbeat`` (counters, queues,
live tickets, device health). ``client`` is anything with ``post(path, json=,
headers=)``: a TestClient, or an ``httpx.Client`` on a live server.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.central.kiosk_events import HCM, FakeKiosk


class OpsOffice:
    """One kiosk: its token, its events, its live tickets."""

    def __init__(self, client: Any, device: dict[str, Any]) -> None:
        self.client = client
        self.device = device
        self.headers = {"Authorization": f"Bearer {device['token']}"}
        self.kiosk = FakeKiosk()
        self.kiosk.now = datetime.now(HCM)
        self.kiosk.boot = self.kiosk.now - timedelta(hours=1)
        self.waiting: list[dict[str, Any]] = []
        self.serving: list[dict[str, Any]] = []

    def _at(self, minutes_ago: float) -> None:
        self.kiosk.now = datetime.now(HCM) - timedelta(minutes=minutes_ago)

    def issue(self, ticket: str, service: str = "a", minutes_ago: float = 0, display: str | None = None) -> None:
        """A ticket issued ``minutes_ago``, still waiting (sent as its event; listed in the next heartbeat)."""
        self._at(minutes_ago)
        self.kiosk.add("ticket_issued", ticket_id=ticket, day=self.kiosk.now.date().isoformat(), service=service,
                       display=display or ticket[-4:], named=False, group=None)
        self.waiting.append({"ticket_id": ticket, "display": display or ticket[-4:], "service": service,
                             "state": "waiting", "position": len(self.waiting) + 1, "wait_minutes": None})

    def rate(self, ticket: str, level: int, counter: int = 1, officer: str = "101", counted: str | None = None,
             service: str = "a", minutes_ago: float = 0) -> None:
        """A served ticket rated ``minutes_ago`` (``counted`` left out: the scale's default counts it, as older
        kiosks sent)."""
        self._at(minutes_ago + 4)
        self.kiosk.add("ticket_issued", ticket_id=ticket, day=self.kiosk.now.date().isoformat(), service=service,
                       display=ticket[-4:], named=False, group=None)
        self._at(minutes_ago + 3)
        self.kiosk.add("ticket_called", ticket_id=ticket, counter=counter, officer=officer)
        self._at(minutes_ago + 1)
        self.kiosk.add("ticket_completed", ticket_id=ticket, counter=counter, officer=officer, results_later=False)
        self._at(minutes_ago)
        extra = {"counted": counted} if counted else {}
        self.kiosk.add("rating_recorded", ticket_id=ticket, counter=counter, level=level, scale=4, service=service,
                       officer=officer, **extra)

    def upload(self) -> None:
        answer = self.client.post("/api/v1/events", json={"device_id": self.device["device_id"],
                                                          "events": self.kiosk.events}, headers=self.headers)
        assert answer.status_code == 200, answer.text

    def heartbeat(self, counters: list[dict[str, Any]], devices: dict[str, str] | None = None, **extra: Any) -> None:
        queues: dict[str, int] = {}
        for t in self.waiting:
            queues[t["service"]] = queues.get(t["service"], 0) + 1
        body: dict[str, Any] = {"queues": queues, "counters": counters, "tickets": self.waiting + self.serving,
                                "officers": [{"code": "101", "name": "Nguyễn Văn An"}], **extra}
        if devices is not None:
            body["devices"] = devices
        answer = self.client.post("/api/v1/heartbeat", json=body, headers=self.headers)
        assert answer.status_code == 204, answer.text


def counter(number: int, mode: str = "open", officer: str | None = None, ticket: str | None = None) -> dict[str, Any]:
    """A counter as the heartbeat lists it."""
    return {"number": number, "mode": mode, "officer": officer, "ticket": ticket}
