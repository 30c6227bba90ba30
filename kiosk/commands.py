"""Commands: what someone asked the queue to do.

Each command is a small frozen value. Officers' commands come from their
keypad, their page or the ``kiosk`` command, always through
:func:`kiosk.officer.officer_command`; citizens' come from the buttons; the
office itself sends the rest (``Tick``, ``PrintResult``, ``DeviceStatus``,
``ConfigApplied``). :meth:`kiosk.engine.Engine.decide` turns a command into
events or refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """A citizen pressed a service button (``priority`` for the priority button)."""

    service: str
    ticket_id: str
    priority: bool = False
    group: str | None = None  # the priority group a group button gave (implies priority)
    named: bool = False  # a scanned card's name goes with it (kept apart: kiosk.personal)


@dataclass(frozen=True)
class CallNext:
    """An officer asks for the next citizen."""

    counter: int


@dataclass(frozen=True)
class CallNumber:
    """An officer calls a given ticket: digits (``"1005"``) or a display (``"A001"``)."""

    counter: int
    number: str


@dataclass(frozen=True)
class Recall:
    """Call the counter's ticket again; past the allowed recalls it is a no-show."""

    counter: int


@dataclass(frozen=True)
class NoShow:
    """The called citizen did not come."""

    counter: int


@dataclass(frozen=True)
class Reactivate:
    """A citizen marked no-show came back: the ticket waits again in its old place."""

    number: str
    counter: int | None = None


@dataclass(frozen=True)
class Transfer:
    """Send the counter's ticket to another service; it keeps its number.

    ``service`` is a service id, or its position in the office's list of
    services counted from 1 (``"2"``), as an officer types it on a keypad.
    """

    counter: int
    service: str


@dataclass(frozen=True)
class StartService:
    """The called citizen sat down at the counter."""

    counter: int


@dataclass(frozen=True)
class Complete:
    """The result was handed over; opens the rating window where buttons are fitted."""

    counter: int


@dataclass(frozen=True)
class Rate:
    """A rating button was pressed at a counter (level 1 is the best)."""

    counter: int
    level: int


@dataclass(frozen=True)
class AttachDossier:
    """Bind a dossier code (mã hồ sơ) to the counter's ticket, so ratings can be reported by dossier.

    The code goes to the counter's current ticket, else to the one it completed
    last while that is recent (its rating window, or 10 minutes). ``code`` is
    1-40 characters of letters, digits, ``.``, ``/`` and ``-``; ``source`` is
    ``"keypad"``, ``"scanner"`` or ``"web"``. The last code attached wins.
    """

    counter: int
    code: str
    source: str


@dataclass(frozen=True)
class Pause:
    """The counter stops calling for a while."""

    counter: int


@dataclass(frozen=True)
class Resume:
    """A paused or closed counter opens again."""

    counter: int


@dataclass(frozen=True)
class PauseOrResume:
    """The keypad's pause key: pause an open counter, open a paused or closed one."""

    counter: int


@dataclass(frozen=True)
class CloseCounter:
    """The counter closes (end of shift)."""

    counter: int


@dataclass(frozen=True)
class SignIn:
    """An officer signs in at a counter with their code."""

    counter: int
    officer: str


@dataclass(frozen=True)
class SignOut:
    """The officer at a counter signs out."""

    counter: int


@dataclass(frozen=True)
class Tick:
    """Time passed: roll the business day over and close expired rating windows."""


@dataclass(frozen=True)
class PrintResult:
    """The printer worker reports how printing a ticket went."""

    ticket_id: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Reprint:
    """An officer asks for a ticket to be printed again (after a failed print, or one whose outcome is unknown)."""

    number: str
    counter: int | None = None


@dataclass(frozen=True)
class DeviceStatus:
    """A device changed state (printer out of paper, keypad unplugged ...): recorded, no rule."""

    device: str
    state: str
    message: str = ""


@dataclass(frozen=True)
class CallByName:
    """Call a citizen by a typed name to collect a result ("Mời công dân ... đến quầy số 3 nhận kết quả").

    The name is personal data: it is announced, never stored or logged (hence no repr).
    """

    counter: int
    name: str = field(repr=False)


@dataclass(frozen=True)
class ResultsReady:
    """Call the citizen of a served ticket back to collect the result (today's, or an earlier day's).

    ``day`` ("YYYY-MM-DD") picks among tickets with the same number; None: the most recent awaiting one.
    """

    counter: int
    number: str
    day: str | None = None


@dataclass(frozen=True)
class SetGroup:
    """Record the priority group of the counter's ticket: a group id, its position from 1, or "0" for none."""

    counter: int
    group: str


@dataclass(frozen=True)
class ConfigApplied:
    """A new configuration is in force from now on; ``version`` identifies it."""

    version: str
    source: str = ""


Command = (
    Issue | CallNext | CallNumber | Recall | NoShow | Reactivate | Transfer | StartService | Complete
    | Rate | AttachDossier | Pause | Resume | PauseOrResume | CloseCounter | SignIn | SignOut | Tick | PrintResult | Reprint | DeviceStatus
    | CallByName | ResultsReady | SetGroup | ConfigApplied
)
