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
from datetime import date
from typing import Literal

from drivers.base import nfc
from kiosk import commands as cmd

#: What an action needs besides the counter.
Needs = Literal["number", "service", "name", "officer", "group"]

_NUMBER = re.compile(r"[A-Za-z0-9]{1,12}")

#: What to tell an officer whose action lacks its value, or has a bad one.
NEEDS_TEXT: dict[str, tuple[str, str]] = {
    "number": ("Hãy nhập số thứ tự (chữ số, có thể có chữ cái đầu).",
               "Enter a ticket number (digits, maybe a letter first)."),
    "service": ("Hãy chọn dịch vụ để chuyển đến.", "Choose the service to transfer to."),
    "name": ("Hãy nhập họ tên công dân.", "Enter the citizen's name."),
    "officer": ("Hãy nhập mã cán bộ (chữ số).", "Enter the officer's code (digits)."),
    "group": ("Hãy chọn nhóm ưu tiên (số thứ tự của nhóm, 0 là không thuộc nhóm nào).",
              "Choose the priority group (its number; 0 for none)."),
    "day": ("Ngày phải có dạng NNNN-TT-NN, ví dụ 2026-11-28.", "The day must look like 2026-11-28."),
}


@dataclass(frozen=True)
class Action:
    """One officer action: what it needs, and how it becomes a command."""

    needs: Needs | None
    build: Callable[[int | None, str, str | None], cmd.Command]
    help: str


ACTIONS: dict[str, Action] = {
    "next": Action(None, lambda c, _, __: cmd.CallNext(c), "call the next citizen to a counter"),
    "call_number": Action("number", lambda c, v, _: cmd.CallNumber(c, v), "call a given ticket number (1005 or A001)"),
    "recall": Action(None, lambda c, _, __: cmd.Recall(c), "call the counter's ticket again"),
    "no_show": Action(None, lambda c, _, __: cmd.NoShow(c), "mark the counter's ticket as no-show"),
    "reactivate": Action("number", lambda c, v, _: cmd.Reactivate(v, c), "put a no-show ticket back in the queue"),
    "transfer": Action("service", lambda c, v, _: cmd.Transfer(c, v),
                       "send the counter's ticket to another service (its id, or its number from 1)"),
    "start": Action(None, lambda c, _, __: cmd.StartService(c), "the called citizen sat down"),
    "complete": Action(None, lambda c, _, __: cmd.Complete(c), "finish the counter's ticket, or hand over the result it called (opens the rating window)"),
    "reprint": Action("number", lambda c, v, _: cmd.Reprint(v, c), "print a ticket again"),
    "call_name": Action("name", lambda c, v, _: cmd.CallByName(c, v), "call a citizen by a typed name to collect a result"),
    "results_ready": Action("number", lambda c, v, d: cmd.ResultsReady(c, v, d),
                            "call the citizen of a served ticket back to collect the result (today's or an "
                            "earlier day's; day: YYYY-MM-DD to choose)"),
    "set_group": Action("group", lambda c, v, _: cmd.SetGroup(c, v),
                        "record the priority group of the counter's ticket (its id or number from 1; 0: none)"),
    "pause": Action(None, lambda c, _, __: cmd.Pause(c), "pause a counter"),
    "resume": Action(None, lambda c, _, __: cmd.Resume(c), "open a paused or closed counter"),
    "pause_or_resume": Action(None, lambda c, _, __: cmd.PauseOrResume(c), "pause an open counter, else open it"),
    "close": Action(None, lambda c, _, __: cmd.CloseCounter(c), "close a counter"),
    "sign_in": Action("officer", lambda c, v, _: cmd.SignIn(c, v), "sign an officer in at a counter"),
    "sign_out": Action(None, lambda c, _, __: cmd.SignOut(c), "sign the counter's officer out"),
}


class BadAction(ValueError):
    """An action that cannot become a command: unknown, or its value is missing or malformed.

    ``code`` is ``unknown_action`` or ``bad_<what it needs>``; ``vi`` and ``en``
    say what to do.
    """

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


def officer_command(action: str, counter: int | None, value: str | None = None, day: str | None = None) -> cmd.Command:
    """The engine command for ``action`` at ``counter`` (``value``: the number, service, name, code or group it
    needs; ``day``: for ``results_ready``, the day of the ticket, YYYY-MM-DD).

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
    if day is not None:
        day = day.strip() or None
    if day is not None and (action != "results_ready" or not _is_day(day)):
        vi, en = NEEDS_TEXT["day"]
        raise BadAction("bad_day", vi, en)
    return found.build(counter, text, day)


def _is_day(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
