"""The JSON API's shared pieces: refusals as 4xx JSON, and the office's view as JSON."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse

from kiosk.view import OfficeView
from kiosk.web.office import OfficeForPages


class ApiError(Exception):
    """A refused request: HTTP ``status`` and the reason in Vietnamese and English."""

    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.vi, self.en = status, code, vi, en


def error_response(status: int, code: str, vi: str, en: str, **extra: Any) -> JSONResponse:
    """The refusal as JSON ``{"error": code, "vi": ..., "en": ...}``, never cached."""
    return JSONResponse({"error": code, "vi": vi, "en": en, **extra}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def plain(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 text, for JSON."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def view_json(
    office: OfficeForPages, view: OfficeView, names: dict[str, str], officer_of: int | None = None
) -> dict[str, Any]:
    """The snapshot as JSON for the pages, with the rating levels, priority groups and officer names added.

    A citizen's full name and birth date (``held_name``, ``held_birth_date``)
    go only to the officer signed in at that counter (``officer_of``: the
    counter whose officer asks); everyone else (the leader, other counters, the
    sim panel) sees the masked name the board shows: the minimum, as the
    personal-data rules ask.
    """
    data = plain(asdict(view))
    for counter in data["counters"]:
        counter["officer_name"] = names.get(counter["officer"] or "", "")
        if counter["number"] != officer_of:
            counter["held_name"] = counter["held_birth_date"] = None
    levels = office.config.rating.levels
    data["rating_levels"] = [{"vi": t.vi, "en": t.get("en")} for t in levels]
    data["priority_groups"] = group_names(office)
    data["camera"] = office.camera is not None
    data["simulation"] = office.simulation is not None
    return data


def group_names(office: OfficeForPages) -> list[dict[str, str]]:
    """The configured priority groups as ``[{"id", "vi", "en"}]``, in the configured order (position 1 first)."""
    return [{"id": g.id, "vi": g.name.vi, "en": g.name.get("en")} for g in office.config.priority_groups]
