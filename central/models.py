"""The central store as SQLAlchemy 2 models (SQLite by default, PostgreSQL in production).

Times the server itself stamps are UTC epoch microseconds (``BigInteger``):
they compare and subtract the same way on every database. Device times are
kept as the device sent them (``wall_time``, ISO 8601 with offset) beside the
parsed value (``wall_us``) and the corrected value (``corrected_us``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
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


def bytewise(length: int) -> String:
    """Text of ``length`` compared byte by byte: on PostgreSQL ``COLLATE "C"`` (SQLite compares so already).

    For ids (ASCII: uuids, kiosk ids) in the indexes ingest writes a thousand times a batch:
    the database's own collation would compare them by language rules (``strcoll``), for
    nothing; measured, ``C`` takes a tenth off PostgreSQL's work to insert an event.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Event(Base):
    """One kiosk event, stored exactly once: unique (device, seq) and unique uuid."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(bytewise(36), ForeignKey("devices.id"))
    site_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(bytewise(36), unique=True)
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
    #: The payload's ``ticket_id`` for the ticket events (``central.summary``), so that a
    #: ticket's events are found by an index lookup when its facts are folded again.
    ticket_id: Mapped[str | None] = mapped_column(bytewise(64), nullable=True)
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),
        Index("ix_events_device_ticket", "device_id", "ticket_id"),
        # BRIN on PostgreSQL (docs/central.md): rows arrive in received order, so it is tiny and enough.
        Index("ix_events_received", "received_us", postgresql_using="brin"),
        # Only the events whose time comes from their boot's anchor (none while the kiosks' clocks
        # are synchronised): central.times.recorrect finds them by this, as its condition says it,
        # instead of reading every event of the kiosk each time a boot's anchor moves.
        Index("ix_events_anchored", "device_id", "boot_id",
              postgresql_where=text("clock_synced IS false OR quarantine IS NOT NULL"),
              sqlite_where=text("clock_synced IS 0 OR quarantine IS NOT NULL")),
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


# -- summaries (central.summary keeps them; the figures read only these) ----------------

#: The additive figures of a group of tickets, shared by ``day_figures`` and ``site_days``.
FIGURE_COLUMNS = (
    "tickets", "completed", "no_shows", "named", "wait_n", "wait_us", "service_n", "service_us",
    "ratings", "very_satisfied", "satisfied", "dissatisfied", "raw_1", "raw_2", "raw_3", "raw_4", "raw_5",
    "dossiers", "results_later",
)
#: The results flow's counts, per site and day (``site_days``).
RESULT_COLUMNS = ("called", "called_named", "recalls", "handed_over", "no_show", "expired")


class FigureCounts:
    """Additive counts of a group of tickets (sums of microseconds for the durations): see ``central.summary``."""

    tickets: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    completed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    no_shows: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    named: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    wait_n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    wait_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    service_n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    service_us: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    ratings: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    very_satisfied: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    satisfied: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    dissatisfied: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    raw_1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    raw_2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    raw_3: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    raw_4: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    raw_5: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    dossiers: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    results_later: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ResultCounts:
    """The results flow's counts of a day (``results_*`` events by the day they happened)."""

    called: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    called_named: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    recalls: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    handed_over: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    no_show: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    expired: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class TicketFact(Base):
    """One ticket as its events tell it (folded in ``seq`` order), with the ``seq`` of the last event folded.

    A row exists for every (device, ticket) that has a ticket event, even one not
    issued yet (``issued`` false: an event that arrived before its ``ticket_issued``).
    ``day`` is the ticket's business day (NULL: none given, it counts in no period).
    Times are corrected times (``central.times``); ``wait_us``/``service_us`` the
    durations the figures use (NULL when unknown, negative or longer than a week).
    """

    __tablename__ = "ticket_facts"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    issued: Mapped[bool] = mapped_column(Boolean, default=False)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    service: Mapped[str] = mapped_column(String(64), default="?")
    counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    officer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grp: Mapped[str | None] = mapped_column(String(32), nullable=True)
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    issued_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    called_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    started_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    results_later: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scale: Mapped[int | None] = mapped_column(Integer, nullable=True)
    counted: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dossier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    wait_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    service_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_ticket_facts_site_day", "site_id", "day"),)


class DayFigures(FigureCounts, Base):
    """The additive figures of a site's tickets of one business day, per service, counter, officer and group.

    "None" is stored as -1 (counter) or "" (officer, group) so that the key is a
    primary key that an upsert can meet (NULLs never conflict).
    """

    __tablename__ = "day_figures"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer: Mapped[str] = mapped_column(String(64), primary_key=True)
    grp: Mapped[str] = mapped_column(String(32), primary_key=True)


class DayReason(Base):
    """Reasons given after a dissatisfied rating: tickets per reason, keyed as ``day_figures``."""

    __tablename__ = "day_reasons"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer: Mapped[str] = mapped_column(String(64), primary_key=True)
    grp: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class DayHour(Base):
    """Tickets issued per service and hour of the day (site's time zone)."""

    __tablename__ = "day_hours"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    tickets: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SiteDay(FigureCounts, ResultCounts, Base):
    """A site's day in one row: the figures of ``day_figures`` summed, and the results flow of that day.

    The ranking and the trends read these (one row per site and day) rather than
    ``day_figures`` (one per site, day and service, counter, officer, group).
    """

    __tablename__ = "site_days"
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    __table_args__ = (Index("ix_site_days_day", "day"),)


class Officer(Base):
    """An officer of a site by code, with the full name the site's kiosks last sent in a heartbeat.

    Officers are public servants at work: their names are shown on the pages and
    reports (never logged); their PINs never leave the kiosk.
    """

    __tablename__ = "officers"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    updated_us: Mapped[int] = mapped_column(BigInteger)


class MediaStream(Base):
    """One of a device's streams (``app``: live, thumb or rec) as the media server's hooks last reported it."""

    __tablename__ = "media_streams"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    app: Mapped[str] = mapped_column(String(10), primary_key=True)
    publishing: Mapped[bool] = mapped_column(Boolean)
    since_us: Mapped[int] = mapped_column(BigInteger)


class Alert(Base):
    """An operations-room alert of a site; open while ``cleared_us`` is None. ``key`` names its cause."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    raised_us: Mapped[int] = mapped_column(BigInteger)
    cleared_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (Index("ix_alerts_site_raised", "site_id", "raised_us"), Index("ix_alerts_key", "key"))
