"""What the keypads post to the app: frozen objects, one per thing that happened.

The app receives them through the ``post`` callable given to
:func:`drivers.keypad.open_keypads` (from the keypads' reader threads):
:class:`KeypadAction` is an officer's command, :class:`KeypadDossier` a dossier
code typed to attach to the counter's ticket, :class:`KeypadRejected` input
that was dropped (the app beeps), and :class:`KeypadPaired`,
:class:`KeypadConnected`, :class:`KeypadDisconnected` report the devices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What a keypad can ask for: the officers' actions, named as in
#: ``kiosk.officer.ACTIONS`` (a test keeps the two in step), and ``pair``,
#: which the keypad driver handles itself.
ActionKind = Literal[
    "next", "recall", "no_show", "complete", "call_number", "results_ready", "transfer", "set_group",
    "pause_or_resume", "sign_in", "sign_out", "pair",
]


@dataclass(frozen=True)
class KeypadAction:
    """An officer's action at ``counter``, with the value it needs as typed.

    ``value`` is the ticket number for ``call_number`` and ``results_ready``
    (leading zeros dropped), the service's position counted from 1 for
    ``transfer``, the priority group's position counted from 1 for
    ``set_group`` ("0": no group), the officer's code for ``sign_in`` (leading
    zeros count), the counter for ``pair``; None for the rest.

    ``pin`` is the PIN typed after the code for ``sign_in`` (None when none was
    typed). It is left out of ``repr`` so that logging or printing the action
    never shows it.
    """

    counter: int | None
    action: ActionKind
    value: str | None = None
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class KeypadDossier:
    """The officer at ``counter`` typed a dossier code (mã hồ sơ): ``/ * digits Enter``.

    Kept apart from :class:`KeypadAction`: the app attaches the code to the
    counter's ticket with ``kiosk.commands.AttachDossier`` (source "keypad"),
    which the counter page and the counter's scanner send too.
    ``code`` is 1 to 40 digits as typed, leading zeros kept.
    """

    counter: int | None
    code: str
    device: str = ""


@dataclass(frozen=True)
class KeypadRejected:
    """Input was dropped; the app sounds a beep. ``reason`` is for the log."""

    counter: int | None
    reason: str
    device: str = ""


@dataclass(frozen=True)
class KeypadPaired:
    """``device`` now drives ``counter``; ``previous`` is the keypad that did before (now unpaired)."""

    device: str
    counter: int
    previous: str | None = None


@dataclass(frozen=True)
class KeypadConnected:
    """A keypad was opened (``counter`` is None until it is paired)."""

    device: str
    counter: int | None


@dataclass(frozen=True)
class KeypadDisconnected:
    """A keypad was unplugged, or cannot be opened; ``reason`` says why and what to do."""

    device: str
    counter: int | None
    reason: str
