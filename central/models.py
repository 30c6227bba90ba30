"""The central store as SQLAlchemy 2 models (SQLite by default, PostgreSQL in production).

Times the server itself stamps are UTC epoch microseconds (``BigInteger``):
they compare and subtract the same way on every database. Device times are
kept as the device sent them (``wall_time``, ISO 8601 with offset) beside the
parsed value (``wall_us``) and the corrected value (``corrected_us``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only makes INTEGER PRIMARY KEY an auto-increment rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Base of every central table."""


class Site(Base):
    """A unit (office), grouped by province and department."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    province: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    config_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    config_version: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A dashboard user: admin, director (every site) or leader (own site only)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)


class Session(Base):
    """A signed-in browser: the cookie's hash, its CSRF token and expiry."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_us: Mapped[int] = mapped_column(BigInteger)


class EnrolmentCode(Base):
    """A one-time, expiring code that lets one kiosk of a site enrol.

    ``serial`` and ``device_id`` say which kiosk used it: that kiosk alone may
    use it again (a retry after a lost answer) until the code expires or the
    server hears from the kiosk with its token.
    """

    __tablename__ = "enrolment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    expires_us: Mapped[int] = mapped_column(BigInteger)
    used_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Device(Base):
    """An enrolled kiosk. ``acked_seq``: every event 1..acked_seq is stored here."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    serial: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    revoked_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    heartbeat_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    heartbeat_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Event(Base):
    """One kiosk event, stored exactly once: unique (device, seq) and unique uuid."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    site_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    wall_time: Mapped[str] = mapped_column(String(64))
    wall_us: Mapped[int] = mapped_column(BigInteger)
    mono_ns: Mapped[int] = mapped_column(BigInteger)
    boot_id: Mapped[str] = mapped_column(String(64))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    received_us: Mapped[int] = mapped_column(BigInteger)
    corrected_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: Why the server did not believe this event's time when it arrived (told to
    #: the device in the ingest answer); NULL for a time that can be right. A
    #: quarantined event is stored and counted, but its ``wall_time`` is never used:
    #: its corrected time comes from its boot's anchor, as for an unsynchronised one.
    quarantine: Mapped[str | None] = mapped_column(String(300), nullable=True)
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),
        Index("ix_events_site_wall", "site_id", "wall_us"),
    )


class Boot(Base):
    """One boot of one device and where its monotonic clock started in real time.

    ``anchor_us + mono_ns / 1000`` is the corrected time of an event of this boot
    whose own wall time is not used (written while the clock was not
    synchronised, or quarantined); a believable synchronised event keeps its own.
    Two observations feed the anchor (``central.times`` has the rules):
    ``ntp_us`` (the first believable synchronised event of the boot: its wall time
    minus its monotonic time) beats ``server_us`` (the server's receive time
    minus the device's monotonic time when it sent a request: never early, late
    by at most the network delay), unless ``ntp_disputed``: a later synchronised
    event of the boot disagreed with it, so neither is trusted over the server.
    ``anchor_us``/``source`` are the anchor in use (``ntp``, ``server``, or
    NULL/``none`` while nothing is known).
    """

    __tablename__ = "boots"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    boot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    anchor_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(10))
    offset_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ntp_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    server_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ntp_disputed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LiveTicket(Base):
    """A ticket still waiting or being served, as the last heartbeat of its kiosk said."""

    __tablename__ = "live_tickets"
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    display: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wait_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class RateLimit(Base):
    """Hits per key per window, in the database so that every server process shares them."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
