"""The operations room (``/ops``): a live tile per office camera, the office's queue, and alerts.

``tiles`` reads what the wall shows (heartbeats, media streams, summary tables),
``alerts`` the rules that raise and clear alerts, ``live`` the per-process hub
that evaluates alerts and pushes snapshots to the browsers (server-sent events),
``routes`` the pages. See docs/central.md, "Phòng điều hành / operations room".
"""
