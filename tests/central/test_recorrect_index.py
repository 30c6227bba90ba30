"""Re-timing a boot reads only that boot's anchor-timed events, not the kiosk's whole history.

When a boot's anchor moves, ``central.times.recorrect`` re-times the events of
that boot that do not use their own clock. Without the partial index
``ix_events_anchored`` each such move read every event the kiosk ever sent
(an office's year is about 340,000), and ingest slowed as the history grew.
The statements recorrect really sends are explained on each database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from central import summary, times
from central.db import make_engine, migrate


def test_re_timing_a_boot_uses_the_partial_index(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    sent: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "events.boot_id" in statement:
            sent.append((statement, parameters))

    with engine.begin() as conn:
        times.recorrect(conn, "kiosk-1", "boot-1", 1_790_000_000_000_000, summary.Deltas.empty())
    event.remove(engine, "before_cursor_execute", keep)
    assert [s.split()[0] for s, _ in sent] == ["SELECT", "UPDATE"]  # what it read, then what it changed

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: only a usable index is chosen
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for statement, parameters in sent:
            plan = " ".join(str(row) for row in conn.exec_driver_sql(explain + statement, parameters))
            assert "ix_events_anchored" in plan, (statement, plan)
    engine.dispose()
