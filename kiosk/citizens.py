"""The citizens' names at the ticket machine and the counters: the engine thread's memory of them.

A citizen scans their CCCD at the ticket machine: :meth:`Citizens.scanned`
keeps the name (and birth date) of a valid card for ``[names]
scan_window_seconds``, while the board greets them; the next service press
takes it (:meth:`Citizens.take`) and the ticket is issued named. A scan that is
not a CCCD, or one not followed by a press, is dropped with a sound and a note
on the board (the office does that; this class says which).

The names of issued tickets are kept in the store (:mod:`kiosk.personal`);
:attr:`Citizens.people` is the engine thread's copy, reloaded from the store
when a change of day purges it. Nothing here logs a name. Used by
:class:`kiosk.app.Office` only, from the engine thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.names import mask_name
from kiosk.cccd import NotACard, parse_cccd
from kiosk.config import Names
from kiosk.personal import Person


@dataclass(frozen=True)
class Refused:
    """Why a scanned code gave no name: (vi, en)."""

    vi: str
    en: str


@dataclass
class _Pending:
    person: Person = field(repr=False)
    until: float  # monotonic seconds


class Citizens:
    """The pending scan and the names kept, by ticket id."""

    def __init__(self, config: Names, people: dict[str, Person] | None = None) -> None:
        self.config = config
        self.people: dict[str, Person] = dict(people or {})
        self._pending: _Pending | None = None

    def scanned(self, code: str, now: float) -> Refused | None:
        """A code read at the ticket machine at monotonic ``now``: keep its name, or say why not."""
        try:
            holder = parse_cccd(code)
        except NotACard as exc:
            self._pending = None  # a bad scan after a good one: start again
            return Refused(exc.reason_vi, exc.reason_en)
        person = Person(holder.name, holder.birth_date.isoformat())
        self._pending = _Pending(person, now + self.config.scan_window_seconds)
        return None

    def take(self, now: float) -> Person | None:
        """The scanned citizen for a service press at ``now`` (None: no scan, or it expired); forgets it."""
        pending, self._pending = self._pending, None
        if pending is None or now >= pending.until:
            return None
        return pending.person

    def give_back(self, person: Person, now: float) -> None:
        """A press that took ``person`` gave no ticket (the service is closed, say): the citizen may press
        another button, without scanning again, for a new window from ``now``."""
        self._pending = _Pending(person, now + self.config.scan_window_seconds)

    def expire(self, now: float) -> bool:
        """Drop a scan whose window has passed at ``now``; True when one was dropped."""
        if self._pending is not None and now >= self._pending.until:
            self._pending = None
            return True
        return False

    def pending_name(self) -> str | None:
        """The name of the citizen who has just scanned their card (None: no scan pending)."""
        return self._pending.person.name if self._pending is not None else None

    def greeting(self) -> tuple[str, str] | None:
        """What the board says to a citizen who has just scanned their card: (vi, en), or None."""
        if self._pending is None:
            return None
        shown = mask_name(self._pending.person.name, self.config.board)
        if shown is None:  # the board shows no names
            return ("Đã đọc thẻ CCCD. Mời chọn dịch vụ", "ID card read. Please choose a service")
        end = "" if shown.endswith(".") else "."  # "Nguyễn V. A." already ends a sentence
        return (f"Xin chào {shown}{end} Mời chọn dịch vụ", f"Hello {shown}{end} Please choose a service")
