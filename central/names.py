"""People and places by name: what the pages and exports show instead of codes and ids.

The figures keep codes as keys (officer codes, service ids, site codes); the
presentation resolves them here. Service names come from the site's pushed
configuration, officer names from the kiosks' heartbeats (table ``officers``),
a unit's name from its site row.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from central.models import Officer


class ServiceNames(dict[str, str]):
    """Service id -> Vietnamese name; an id the configuration does not list reads as itself."""

    def __missing__(self, key: str) -> str:
        return key


def service_names(site: Any) -> ServiceNames:
    """The site's services, id -> Vietnamese name, from its pushed configuration (``[[services]]``).

    Entries that are not a service with an id and a Vietnamese name are skipped;
    ``names[sid]`` of an id not listed is the id itself.
    """
    try:
        listed = json.loads(site.config_json)["services"] if site.config_json else None
    except (ValueError, KeyError, TypeError, RecursionError):
        listed = None
    found = ServiceNames()
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, dict):
            continue
        sid, name = entry.get("id"), entry.get("name")
        vi = name.get("vi") if isinstance(name, dict) else None
        if isinstance(sid, str) and sid and isinstance(vi, str) and vi.strip() and sid not in found:
            found[sid] = vi.strip()[:200]
    return found


def officer_names(conn: Connection, site_id: int) -> dict[str, str]:
    """The site's officers the kiosks have named, code -> full name (an officer never named is absent)."""
    rows = conn.execute(select(Officer.code, Officer.name).where(Officer.site_id == site_id)).all()
    return {row.code: row.name for row in rows}


def officer_label(code: str | None, names: dict[str, str]) -> str:
    """An officer as shown: "Nguyễn Văn An (1234)", or "Cán bộ 1234" when no kiosk has named them."""
    if not code:
        return "—"
    name = names.get(code)
    return f"{name} ({code})" if name else f"Cán bộ {code}"


def site_label(site: Any) -> str:
    """A unit as shown: its name (its code if it has none)."""
    return site.name or site.code
