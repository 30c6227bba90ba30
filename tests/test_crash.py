"""Crash safety: SIGKILL a process that issues tickets, at random moments, and restart it.

After every kill: the numbers continue with no duplicate and no gap, every ticket
whose issue returned is in the store, and the event sequence has no gap.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

pytestmark = pytest.mark.crash  # killed with SIGKILL: not in make test-fast

ROOT = Path(__file__).resolve().parent.parent
KILLS = 24


def wait_for_line(stream, expected: str) -> None:
    """Read ``stream`` until the line ``expected`` (or its end, if the worker died)."""
    for line in stream:
        if line.strip() == expected:
            return


def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    db_path = tmp_path / "kiosk.db"
    rng = random.Random(20261127)
    returned: dict[str, int] = {}
    total_numbers = 0
    for round_ in range(KILLS):
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_worker", str(db_path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        # Some kills land while the store is still opening, most mid-loop. The
        # wait starts from the worker's own word, not from its start: importing
        # takes about a second, and a kill then would test nothing.
        assert worker.stdout is not None
        wait_for_line(worker.stdout, "opening" if round_ % 4 == 0 else "ready")
        time.sleep(rng.uniform(0.0, 0.05) if round_ % 4 == 0 else rng.uniform(0.05, 0.5))
        worker.send_signal(signal.SIGKILL)
        output, _ = worker.communicate()
        assert worker.returncode == -signal.SIGKILL
        for line in output.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():  # a complete line: the issue returned
                returned[parts[0]] = int(parts[1])

        if not db_path.exists():
            continue
        db = sqlite_utils.Database(db_path)
        try:
            if "tickets" not in db.table_names():
                continue
            tickets = {row["id"]: row["number"] for row in db.query("SELECT id, number FROM tickets")}
            numbers = sorted(tickets.values())
            assert numbers == list(range(1, len(numbers) + 1)), "numbers must continue with no duplicate or gap"
            assert len(numbers) >= total_numbers
            total_numbers = len(numbers)
            missing = {t: n for t, n in returned.items() if tickets.get(t) != n}
            assert not missing, f"tickets whose issue returned are missing: {missing}"
            seqs = [row[0] for row in db.execute("SELECT seq FROM events ORDER BY seq")]
            assert seqs == list(range(1, len(seqs) + 1)), "event sequence has a gap"
            issued = db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket_issued'").fetchone()[0]
            assert issued == len(numbers)
        finally:
            db.close()
    assert len(returned) > 100, "the worker should have issued many tickets between kills"
