"""What central may push to a site's kiosks, and what stays local to each kiosk.

A site's configuration (``kiosk-central set-config``) is the kiosk's own TOML
model, sent to every kiosk of the site (``GET /api/v1/config``). A kiosk that
applied a file without ``[sync]``, or with another server's address, would stop
syncing for good (and its tickets would lose their QR code); nobody could push
a fix. So central refuses such a file when it is set, with the reason.

- **Central may push**: ``[site]``, ``[[services]]``, ``[[counters]]``, ``[queue]``,
  ``[rating]``, ``[[priority_groups]]`` (their names are also what the figures
  show: ``central.figures.group_names``), ``[names]``, the device sections (``[printer]``, ``[board]``, ``[speaker]``,
  ``[buttons]``, ``[keypads]``, ``[camera]``, ``[stream]``: applied by the kiosk at its next
  start) and the timing keys of ``[sync]`` (:data:`SYNC_TIMING`). ``[sync]`` itself
  is required, with ``server_url`` equal to the address the kiosks reach this
  server at: the kiosk keeps its own address whatever it receives
  (``kiosk.bootconfig``), but a file that names none or another server describes
  an office cut off from central, and a kiosk that applied it whole would be.
- **Stays local** (refused in a pushed file, with the key): ``[store]`` (where the
  kiosk's data lives), ``[web]`` (its pages, port and password file), the other
  ``[sync]`` keys (``token_file``, ``ca_file``, ``config_cache``,
  ``enrolment_code``: its secrets and files) and the file paths of the device
  sections (:data:`LOCAL_PATHS`).

The lists are the kiosk's own (``kiosk.bootconfig``), so the server refuses
exactly what a kiosk would not take.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from kiosk.bootconfig import LOCAL_PATHS, LOCAL_SECTIONS, SYNC_TIMING

PUSHABLE = ("site", "services", "counters", "queue", "rating", "priority_groups", "names",
            "printer", "board", "speaker", "buttons", "keypads", "camera", "stream", "scanner", "counter_scanners",
            "rating_pads", "sync")
LOCAL = LOCAL_SECTIONS
LOCAL_SYNC_KEYS = ("token_file", "ca_file", "config_cache", "enrolment_code")


def same_url(a: str, b: str) -> bool:
    """Whether two server addresses are the same (case of scheme and host, and a trailing slash, aside)."""
    x, y = urlsplit(a.strip()), urlsplit(b.strip())
    return (x.scheme.lower(), x.netloc.lower(), x.path.rstrip("/")) == (y.scheme.lower(), y.netloc.lower(), y.path.rstrip("/"))


def current_url(config_json: str | None) -> str | None:
    """The ``[sync] server_url`` of a site's current pushed configuration, if any."""
    try:
        url = json.loads(config_json)["sync"]["server_url"] if config_json else None
    except (ValueError, KeyError, TypeError):
        return None
    return url if isinstance(url, str) and url else None


def problems(data: dict[str, Any], server_url: str | None) -> list[str]:
    """Why ``data`` may not be pushed (empty: it may). ``server_url``: where kiosks reach this server."""
    found = [
        f"[{name}] stays local to each kiosk (its own files and address): remove it from the pushed file"
        for name in LOCAL if name in data
    ]
    found += [
        f"{section}.{key} stays local to each kiosk (a folder of that machine): remove it from the pushed file"
        for section, keys in LOCAL_PATHS.items() if isinstance(data.get(section), dict)
        for key in keys if key in data[section]
    ]
    sync = data.get("sync")
    if not isinstance(sync, dict) or not sync.get("server_url"):
        found.append(
            "[sync] server_url is missing: a kiosk that applied this file would stop syncing with central "
            "for good (and its tickets would lose their QR code); add [sync] with server_url"
            + (f' = "{server_url}"' if server_url else "")
        )
        return found
    found += [
        f"sync.{key} stays local to each kiosk: remove it from the pushed file"
        for key in LOCAL_SYNC_KEYS if key in sync
    ]
    if server_url is None:
        found.append(
            "central does not know the address kiosks reach it at, so it cannot check sync.server_url: "
            "give --server-url URL (or set KIOSK_CENTRAL_URL)"
        )
    elif not isinstance(sync["server_url"], str) or not same_url(sync["server_url"], server_url):
        found.append(
            f"sync.server_url {sync['server_url']!r} is not this server ({server_url}): the kiosks would "
            "lose central for good"
        )
    return found


def push(conn: Connection, site_code: str, data: dict[str, Any], server_url: str | None = None) -> int:
    """Check ``data`` (already valid for the kiosk) against the push rules and store it; return its version.

    ``server_url``: where kiosks reach this server; without it, the one of the
    site's current configuration. Refused (422) with every problem otherwise.
    """
    from central import core

    site = core.site_by_code(conn, site_code)
    expected = server_url or current_url(site.config_json)
    found = problems(data, expected)
    if found:
        raise core.Refused(422, "this configuration may not be pushed:\n" + "\n".join(f"- {p}" for p in found))
    return core.set_site_config(conn, site_code, data)
