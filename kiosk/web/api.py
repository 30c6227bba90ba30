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


def view_json(office: OfficeForPages, view: OfficeView, names: dict[str, str]) -> dict[str, Any]:
    """The snapshot as JSON for the pages, with the rating level labels and officer names added."""
    data = plain(asdict(view))
    for counter in data["counters"]:
        counter["officer_name"] = names.get(counter["officer"] or "", "")
    levels = office.config.rating.levels
    data["rating_levels"] = [{"vi": t.vi, "en": t.get("en")} for t in levels]
    data["camera"] = office.camera is not None
    data["simulation"] = office.simulation is not None
    return data
