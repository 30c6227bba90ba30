"""``kiosk users ...``: the leader password and the officers' PINs from the command line.

The work is done by the functions of :mod:`kiosk.credentials`; this module
parses the arguments and reads the secret. Passwords and PINs are never taken
from the command line (they would stay in the shell history):

- at a terminal they are asked twice, without echo;
- from a pipe or a file (``echo 2468 | kiosk users add-officer 1234 "An"``) the
  first line of standard input is the secret, asked once. ``--stdin`` says so
  explicitly, and reads standard input even when it is a terminal.

An empty input, Ctrl-D or Ctrl-C ends the command with a sentence, never a
traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kiosk.credentials import add_officer, list_officers, remove_officer, set_leader_password


class _NoSecret(Exception):
    """The secret could not be read: the exit code and what to tell the user."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk users", description="Leader password and officer PINs.")
    parser.add_argument("--stdin", action="store_true",
                        help="read the password or PIN as one line from standard input")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("set-leader-password", help="set or change the leader password")
    add = sub.add_parser("add-officer", help="add an officer, or change their name and PIN")
    add.add_argument("code", help="the officer code typed on the keypad (1-8 digits)")
    add.add_argument("name", help='the officer\'s full name, e.g. "Nguyễn Văn An"')
    remove = sub.add_parser("remove-officer", help="remove an officer")
    remove.add_argument("code")
    sub.add_parser("list", help="list the officers (never their PINs)")
    return parser


def users_command(
    argv: list[str],
    credentials_file: str | Path,
    ask: Callable[[str], str] | None = None,
    out: Callable[[str], None] = print,
    stdin: TextIO | None = None,
) -> int:
    """Run ``kiosk users <set-leader-password|add-officer|remove-officer|list> ...``; return the exit code.

    ``ask`` prompts at a terminal (default :func:`getpass.getpass`, used when
    ``stdin`` is a terminal); ``stdin`` (default ``sys.stdin``) is read when it is
    not a terminal, or with ``--stdin``.
    """
    stdin = stdin if stdin is not None else sys.stdin
    # --stdin may come anywhere (`kiosk users set-leader-password --stdin`).
    from_stdin = "--stdin" in argv
    try:
        args = _parser().parse_args([a for a in argv if a != "--stdin"])
    except SystemExit as exc:
        return int(exc.code or 0)
    interactive = not from_stdin and (ask is not None or _is_terminal(stdin))
    ask = ask or getpass.getpass

    def secret(label: str) -> str:
        if not interactive:
            line = stdin.readline()
            if not line:
                raise _NoSecret(2, "Không có mật khẩu/mã PIN ở đầu vào chuẩn (hãy gửi một dòng).\n"
                                   "No password or PIN on standard input (send one line).")
            return line.rstrip("\r\n")
        try:
            first = ask(f"{label}: ")
            again = ask(f"{label} (nhập lại / again): ")
        except (EOFError, KeyboardInterrupt):
            raise _NoSecret(1, "\nĐã hủy, không thay đổi gì.\nCancelled, nothing changed.") from None
        if again != first:
            raise _NoSecret(1, "Hai lần nhập không khớp.\nThe two entries differ.")
        return first

    try:
        if args.command == "set-leader-password":
            code, text = set_leader_password(credentials_file, secret("Mật khẩu lãnh đạo / Leader password"))
        elif args.command == "add-officer":
            pin = secret(f"Mã PIN của cán bộ {args.code} / PIN")
            code, text = add_officer(credentials_file, args.code, args.name, pin)
        elif args.command == "remove-officer":
            code, text = remove_officer(credentials_file, args.code)
        else:
            code, text = list_officers(credentials_file)
    except _NoSecret as exc:
        code, text = exc.code, exc.text
    if text:
        out(text)
    return code


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False
