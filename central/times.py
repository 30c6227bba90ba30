"""What the server believes about a device's times: the bounds, the boots' anchors, the corrected times.

A kiosk has no real-time clock, and one kiosk's clock must never break a page
or move another event. The server therefore checks every time it would use:

- **Bounds.** A time that is used (a synchronised event's own ``wall_time``, or a
  corrected time) must lie between :data:`PRODUCT_EPOCH_US` (2025-01-01, before
  any kiosk of this product existed) and the server's clock when it received
  the event plus :data:`MAX_AHEAD_US` (10 minutes).
- **Synchronised events** (``clock_synced``) keep their own wall time when it
  can be right. It cannot when it is out of bounds, or when it puts the boot's
  start (``wall - mono``) more than 10 minutes after the server's own
  observation of that boot (the device claims a later time than the server's
  clock when the same boot spoke to it). Such an event is *quarantined*: stored
  and counted, its reason told to the device, but its wall time is never used.
- **Anchors.** Each boot has an anchor, where its monotonic clock started in real
  time; ``anchor + mono_ns / 1000`` is the corrected time of an event whose own
  wall time is not used. The first believable synchronised event gives ``ntp``;
  each request gives ``server`` (receive time minus the device's monotonic time
  when sending: never early, late by at most the network delay). ``ntp`` wins,
  unless a later synchronised event of the same boot disagrees with it by more
  than :data:`AGREE_US` (2 minutes): then the boot is *disputed*, the server
  cannot tell which was right, and only its own observation is used.
- A corrected time out of bounds is not stored (NULL: unknown), with the reason.

Every function works inside the caller's transaction and keeps nothing between requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, and_, case, or_, select, update

from central.models import Boot, Event

#: 2025-01-01T00:00:00Z: no kiosk of this product wrote an event before.
PRODUCT_EPOCH_US = 1_735_689_600_000_000
#: How far ahead of the server's clock a time may be (clocks and the server's own drift).
MAX_AHEAD_US = 10 * 60 * 1_000_000
#: How far two synchronised events of one boot may disagree about where the boot started.
AGREE_US = 2 * 60 * 1_000_000
#: A server observation replaces the stored one only when it is tighter by more than this:
#: rewriting a boot's corrected times for a few milliseconds is not worth it.
ANCHOR_SLACK_US = 1_000_000


def believable(t: int, received_us: int) -> bool:
    """Whether a time can be right for something the server received at ``received_us``."""
    return PRODUCT_EPOCH_US <= t <= received_us + MAX_AHEAD_US


def span(us: int) -> str:
    """A duration as a technician reads it: "40 s", "12 min", "5 h", "3 days", "73 years"."""
    s = abs(us) / 1_000_000
    for size, unit in ((365.25 * 86400, "years"), (86400, "days"), (3600, "h"), (60, "min")):
        if s >= 2 * size or (unit in ("h", "min") and s >= size):
            return f"{s / size:.0f} {unit}"
    return f"{s:.0f} s"


def show(us: int) -> str:
    """Epoch microseconds as ISO 8601 UTC, or the raw number when no calendar holds it."""
    try:
        return datetime.fromtimestamp(us / 1e6, timezone.utc).isoformat(timespec="seconds")
    except (OverflowError, ValueError, OSError):
        return f"{us} µs since 1970"


def _bounds_problem(t: int, received_us: int, what: str) -> str | None:
    if t < PRODUCT_EPOCH_US:
        return f"{what} {show(t)} is before 2025-01-01, when no kiosk of this product existed"
    if t > received_us + MAX_AHEAD_US:
        return f"{what} {show(t)} is {span(t - received_us)} ahead of the server's clock"
    return None


@dataclass
class BootState:
    """One boot's observations while a request is handled (a row of ``boots``)."""

    ntp_us: int | None = None
    server_us: int | None = None
    disputed: bool = False
    offset_us: int | None = None
    stored: bool = False
    stored_anchor: int | None = None
    dirty: bool = False

    @property
    def anchor(self) -> int | None:
        """The anchor in use: a trusted ntp observation, else the server's own."""
        if self.ntp_us is not None and not self.disputed:
            return self.ntp_us
        return self.server_us

    @property
    def source(self) -> str:
        if self.ntp_us is not None and not self.disputed:
            return "ntp"
        return "server" if self.server_us is not None else "none"


class Boots:
    """The boots of one device touched by one request: observe, then :meth:`save`."""

    def __init__(self, conn: Connection, device_id: str, boot_ids: set[str]) -> None:
        self.conn = conn
        self.device_id = device_id
        self.boots: dict[str, BootState] = {}
        if boot_ids:
            for row in conn.execute(
                select(Boot.__table__).where(Boot.device_id == device_id, Boot.boot_id.in_(sorted(boot_ids)))
            ):
                state = BootState(
                    ntp_us=row.ntp_us, server_us=row.server_us, disputed=bool(row.ntp_disputed),
                    offset_us=row.offset_us, stored=True,
                )
                state.stored_anchor = state.anchor
                self.boots[row.boot_id] = state

    def get(self, boot_id: str) -> BootState:
        return self.boots.setdefault(boot_id, BootState())

    def observe_server(self, boot_id: str, received_us: int, sent_mono_ns: int) -> None:
        """A request of ``boot_id`` sent at ``sent_mono_ns`` arrived at ``received_us``."""
        candidate = received_us - sent_mono_ns // 1000
        if candidate < PRODUCT_EPOCH_US:
            return  # a boot older than the product: the device's monotonic clock is not believable
        boot = self.get(boot_id)
        if boot.server_us is None or boot.server_us - candidate > ANCHOR_SLACK_US:
            boot.server_us, boot.dirty = candidate, True

    def check_synced(self, boot_id: str, wall_us: int, mono_ns: int, received_us: int) -> str | None:
        """Why a synchronised event's own time cannot be right (None: it can)."""
        problem = _bounds_problem(wall_us, received_us, "wall_time")
        if problem:
            return problem
        boot = self.boots.get(boot_id)
        implied = wall_us - mono_ns // 1000
        if boot is not None and boot.server_us is not None and implied - boot.server_us > MAX_AHEAD_US:
            return (
                f"wall_time {show(wall_us)} is {span(implied - boot.server_us)} ahead of the server's clock "
                "when this boot last sent a request"
            )
        return None

    def observe_ntp(self, boot_id: str, wall_us: int, mono_ns: int) -> str | None:
        """A believable synchronised event; a sentence when it disagrees with the boot's earlier ones."""
        boot = self.get(boot_id)
        implied = wall_us - mono_ns // 1000
        if boot.disputed:
            return None
        if boot.ntp_us is None:
            boot.ntp_us, boot.dirty = implied, True
            return None
        if abs(implied - boot.ntp_us) <= AGREE_US:
            return None
        boot.disputed, boot.dirty = True, True
        return (
            f"its synchronised time disagrees by {span(implied - boot.ntp_us)} with this boot's earlier "
            "synchronised events (was the clock stepped?): each keeps its own time, but this boot's other "
            "events are now corrected from the server's clock only"
        )

    def corrected(self, boot_id: str, mono_ns: int, received_us: int) -> tuple[int | None, str | None]:
        """The corrected time of an event whose wall time is not used, and why it is unknown if it is."""
        anchor = self.get(boot_id).anchor
        if anchor is None:
            return None, None
        t = anchor + mono_ns // 1000
        problem = _bounds_problem(t, received_us, "its boot's clock puts it at")
        return (None, f"{problem}: its time is unknown") if problem else (t, None)

    def save(self, summaries: Any = None) -> None:
        """Write the changed boots; where a boot's anchor changed, re-correct its stored events.

        The figures' summary tables follow (``central.summary``): their shared rows
        are changed at once, or, given ``summaries`` (a ``summary.Deltas``), the
        changes are added to it for the caller to write with its own (ingest
        writes a site's shared rows once per transaction, in key order).
        """
        from central import summary  # summary imports this module's bounds

        pending = summaries if summaries is not None else summary.Deltas.empty()
        for boot_id, boot in self.boots.items():
            if not boot.dirty:
                continue
            values = {"anchor_us": boot.anchor, "source": boot.source, "ntp_us": boot.ntp_us,
                      "server_us": boot.server_us, "ntp_disputed": boot.disputed}
            if boot.stored:
                self.conn.execute(
                    update(Boot).where(Boot.device_id == self.device_id, Boot.boot_id == boot_id).values(**values)
                )
            else:
                self.conn.execute(Boot.__table__.insert().values(device_id=self.device_id, boot_id=boot_id, **values))
            if boot.anchor != boot.stored_anchor:
                recorrect(self.conn, self.device_id, boot_id, boot.anchor, pending)
            boot.stored, boot.stored_anchor, boot.dirty = True, boot.anchor, False
        if summaries is None:
            summary.write(self.conn, pending)

    def set_offset(self, boot_id: str, offset_us: int) -> None:
        """The boot's estimated clock error (corrected minus device time), shown to technicians."""
        self.conn.execute(
            update(Boot).where(Boot.device_id == self.device_id, Boot.boot_id == boot_id).values(offset_us=offset_us)
        )


def recorrect(conn: Connection, device_id: str, boot_id: str, anchor: int | None, summaries: Any) -> None:
    """Recompute the corrected time of every stored event of the boot whose own wall time is not used.

    The summaries follow: the tickets and results whose events moved are folded
    again (``central.summary.recorrected``), their shared rows' changes added to
    ``summaries`` (a ``summary.Deltas``).
    """
    from central import summary  # summary imports this module's bounds

    t = anchor + Event.mono_ns // 1000 if anchor is not None else None
    value: Any = (
        case((and_(t >= PRODUCT_EPOCH_US, t <= Event.received_us + MAX_AHEAD_US), t), else_=None)
        if t is not None else None
    )
    affected = and_(
        Event.device_id == device_id,
        Event.boot_id == boot_id,
        # The condition of the partial index ix_events_anchored, as it is written there: only then is it used.
        or_(Event.clock_synced.is_(False), Event.quarantine.is_not(None)),
    )
    counted = or_(Event.ticket_id.is_not(None), Event.type.in_(summary.RESULT_TYPES))
    before = {
        row.id: row
        for row in conn.execute(
            select(Event.id, Event.type, Event.payload, Event.ticket_id, Event.corrected_us, Event.wall_us,
                   Event.quarantine).where(affected, counted)
        )
    }
    conn.execute(update(Event).where(affected).values(corrected_us=value))
    if before:
        after = dict(conn.execute(select(Event.id, Event.corrected_us).where(affected, counted)).all())
        summary.recorrected(conn, device_id, before, after, summaries)


def time_event(boots: Boots, ev: dict[str, Any], received_us: int, notes: list[dict[str, Any]]) -> None:
    """Judge one new event's time: sets ``ev["quarantine"]`` and appends what the device is told to ``notes``.

    Call for every new event (in ``seq`` order) after the request's own server
    observation, then :meth:`Boots.save`, then :func:`correct_event` for each.
    """
    ev["quarantine"] = None
    if not ev["clock_synced"]:
        return
    problem = boots.check_synced(ev["boot_id"], ev["wall_us"], ev["mono_ns"], received_us)
    if problem:
        ev["quarantine"] = f"{problem}: its own time is not used"
        notes.append({"seq": ev["seq"], "uuid": ev["uuid"], "reason": ev["quarantine"]})
        return
    dispute = boots.observe_ntp(ev["boot_id"], ev["wall_us"], ev["mono_ns"])
    if dispute:
        notes.append({"seq": ev["seq"], "uuid": ev["uuid"], "reason": dispute})


def correct_event(boots: Boots, ev: dict[str, Any], received_us: int, notes: list[dict[str, Any]]) -> int | None:
    """The corrected time to store for a judged event (None: unknown for now)."""
    if ev["clock_synced"] and ev["quarantine"] is None:
        return ev["wall_us"]  # a believable synchronised clock is the truth
    corrected, problem = boots.corrected(ev["boot_id"], ev["mono_ns"], received_us)
    if problem:
        ev["quarantine"] = ev["quarantine"] or problem
        if not any(n["seq"] == ev["seq"] for n in notes):
            notes.append({"seq": ev["seq"], "uuid": ev["uuid"], "reason": problem})
    return corrected
