"""kill -9 in the middle of a busy morning, then restart: everything comes back as it was."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.crash, pytest.mark.process]  # killed with SIGKILL: not in make test-fast


def start(out: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.office_worker", str(out), mode],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )


def stored(out: Path) -> dict:
    connection = sqlite3.connect(out / "kiosk.db")
    try:
        day = connection.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()[0]
        tickets = connection.execute(
            "SELECT display, service, state, counter FROM tickets WHERE day = ? ORDER BY queue_seq", [day]
        ).fetchall()
        seqs = [row[0] for row in connection.execute("SELECT seq FROM events ORDER BY seq")]
    finally:
        connection.close()
    return {"tickets": tickets, "seqs": seqs}


def read_until_shown(worker: subprocess.Popen, shown: set[str], count: int) -> None:
    """Add to ``shown`` the numbers the busy worker's board shows, until ``shown`` holds ``count``.

    By what it has done, not by the clock: on a slow or busy machine the office
    takes longer to start, and a fixed sleep would kill it before its morning began.
    """
    while len(shown) < count:
        line = worker.stdout.readline()
        if not line:
            return  # it stopped by itself: the asserts below say what was lost
        if line.strip().isdigit():
            shown.add(line.strip())


def test_kill_9_mid_morning_and_restart(tmp_path):
    out = tmp_path / "office"
    shown: set[str] = set()
    for round_ in range(3):
        worker = start(out, "busy")
        read_until_shown(worker, shown, 8 * (round_ + 1))
        time.sleep(random.uniform(0, 1))  # then at any moment of the busy loop
        worker.send_signal(signal.SIGKILL)
        output, _ = worker.communicate()
        shown |= {line.strip() for line in output.splitlines() if line.strip().isdigit()}

        before = stored(out)
        assert before["seqs"] == list(range(1, len(before["seqs"]) + 1)), "the event sequence has a gap"
        numbers = {row[0] for row in before["tickets"]}
        assert shown <= numbers, f"tickets the board showed are lost: {shown - numbers}"

        observer = start(out, "observe")
        output, _ = observer.communicate(timeout=60)
        assert observer.returncode == 0
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        view, new = lines[0], lines[1]["new"]
        # The board, queues and counters come back as the store had them at the kill.
        waiting = [row for row in before["tickets"] if row[2] == "waiting"]
        assert view["queue"] == [row[0] for row in before["tickets"] if row[2] in ("waiting", "called", "serving")]
        assert view["waiting"] == {s: sum(1 for r in waiting if r[1] == s) for s in ("oto", "xemay", "vipham")}
        for row in before["tickets"]:
            if row[2] in ("called", "serving"):
                assert view["counters"][str(row[3])][:2] == [row[0], row[2]]
        # Numbering continues: the new ticket follows the last violations ticket.
        last = max((int(r[0]) for r in before["tickets"] if r[1] == "vipham"), default=3000)
        assert int(new) == last + 1
        shown.add(new)
    assert len(shown) > 20
