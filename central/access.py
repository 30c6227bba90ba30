"""Who may see what on the dashboards: the signed-in user, and the units they may see.

Every page, export and report download asks here. A unit leader sees only their
own unit: any other unit is :class:`Forbidden`, the same answer whether or not it
exists. ``central.web.mount`` turns the two exceptions into the sign-in redirect
and the 403 page for the whole app, so a route only has to raise them.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import Connection, select

from central import core, figures
from central.models import Session, Site, User

#: The session cookie (a random token; its hash is the key of ``sessions``).
COOKIE = "kc_session"
#: Headers of every dashboard answer: a signed-in page is never cached and never framed.
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


class NotSignedIn(Exception):
    """No valid session: the browser goes to the sign-in page."""


class Forbidden(Exception):
    """Not this user's to see: a 403 page."""


def storable(text: str) -> bool:
    """Text the database can hold (PostgreSQL refuses NUL; lone surrogates are not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def signed_in(conn: Connection, request: Request) -> Any:
    """The signed-in user's ``users`` row with its session's ``csrf``; :class:`NotSignedIn` otherwise."""
    token = request.cookies.get(COOKIE)
    row = None
    if token:
        row = conn.execute(
            select(User.__table__, Session.csrf)
            .join(Session, Session.user_id == User.id)
            .where(Session.token_hash == core.sha256(token), Session.expires_us > core.now_us())
        ).first()
    if row is None:
        raise NotSignedIn()
    return row


def visible_sites(conn: Connection, user: Any) -> list[Any]:
    """The units ``user`` may see: every unit, or a leader's own."""
    sites = figures.all_sites(conn)
    return [s for s in sites if s.id == user.site_id] if user.role == "leader" else sites


def site_for(conn: Connection, user: Any, code: str) -> Any:
    """The unit ``code`` if ``user`` may see it; :class:`Forbidden` otherwise (or when it does not exist)."""
    site = conn.execute(select(Site.__table__).where(Site.code == code)).first() if storable(code) else None
    if site is None or (user.role == "leader" and site.id != user.site_id):
        raise Forbidden()
    return site
