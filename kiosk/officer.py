"""The officers' vocabulary: every action an officer can take at a counter, and the command it stands for.

The keypad, the counter page and the ``kiosk`` command all name an action
from :data:`ACTIONS` (the CLI writes ``_`` as ``-``) and turn it into an engine
command through :func:`officer_command`, so the three can never disagree
about what an action means. Queue rules (may this counter pause now? which
service is number 2?) are the engine's, not decided here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from drivers.base import nfc
from kiosk import commands as cmd

#: What an action needs besides the counter.
Needs = Literal["number", "service", "name", "officer"]

_NUMBER = re.compile(r"[A-Za-z0-9]{1,12}")

#: What to tell an officer whose action lacks its value, or has a bad one.
NEEDS_TEXT: dict[str, tuple[str, str]] = {
    "number": ("Hãy nhập số thứ tự (chữ số, có thể có chữ cái đầu).",
               "Enter a ticket number (digits, maybe a letter first)."),
    "service": ("Hãy chọn dịch vụ để chuyển đến.", "Choose the service to transfer to."),
    "name": ("Hãy nhập họ tên công dân.", "Enter the citizen's name."),
    "officer": ("Hãy nhập mã cán bộ (chữ số).", "Enter the officer's code (digits)."),
}


@dataclass(frozen=True)
class Action:
    """One officer action: what it needs, and how it becomes a command."""

    needs: Needs | None
    build: Callable[[int | None, str], cmd.Command]
    help: str


ACTIONS: dict[str, Action] = {
    "next": Action(None, lambda c, _: cmd.CallNext(c), "call the next citizen to a counter"),
    "call_number": Action("number", lambda c, v: cmd.CallNumber(c, v), "call a given ticket number (1005 or A001)"),
    "recall": Action(None, lambda c, _: cmd.Recall(c), "call the counter's ticket again"),
    "no_show": Action(None, lambda c, _: cmd.NoShow(c), "mark the counter's ticket as no-show"),
    "reactivate": Action("number", lambda c, v: cmd.Reactivate(v, c), "put a no-show ticket back in the queue"),
    "transfer": Action("service", lambda c, v: cmd.Transfer(c, v),
                       "send the counter's ticket to another service (its id, or its number from 1)"),
    "start": Action(None, lambda c, _: cmd.StartService(c), "the called citizen sat down"),
    "complete": Action(None, lambda c, _: cmd.Complete(c), "finish the counter's ticket (opens the rating window)"),
    "reprint": Action("number", lambda c, v: cmd.Reprint(v, c), "print a ticket again"),
    "call_name": Action("name", lambda c, v: cmd.CallByName(c, v), "call a citizen by name to collect a result"),
    "pause": Action(None, lambda c, _: cmd.Pause(c), "pause a counter"),
    "resume": Action(None, lambda c, _: cmd.Resume(c), "open a paused or closed counter"),
    "pause_or_resume": Action(None, lambda c, _: cmd.PauseOrResume(c), "pause an open counter, else open it"),
    "close": Action(None, lambda c, _: cmd.CloseCounter(c), "close a counter"),
    "sign_in": Action("officer", lambda c, v: cmd.SignIn(c, v), "sign an officer in at a counter"),
    "sign_out": Action(None, lambda c, _: cmd.SignOut(c), "sign the counter's officer out"),
}


class BadAction(ValueError):
    """An action that cannot become a command: unknown, or its value is missing or malformed.

    ``code`` is ``unknown_action`` or ``bad_<what it needs>``; ``vi`` and ``en``
    say what to do.
    """

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


def officer_command(action: str, counter: int | None, value: str | None = None) -> cmd.Command:
    """The engine command for ``action`` at ``counter`` (``value``: the number, service, name or code it needs).

    Raises :class:`BadAction` when the action is unknown or its value is missing
    or malformed; whether the step is allowed now is for the engine to say.
    """
    found = ACTIONS.get(action)
    if found is None:
        raise BadAction("unknown_action", f"Không có thao tác {action!r}.", f"there is no action {action!r}")
    text = ""
    if found.needs is not None:
        text = nfc(value or "").strip()
        if not text or (found.needs == "number" and not _NUMBER.fullmatch(text)):
            vi, en = NEEDS_TEXT[found.needs]
            raise BadAction(f"bad_{found.needs}", vi, en)
    return found.build(counter, text)
