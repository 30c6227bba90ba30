"""Writing many rows in one statement whose text does not change from batch to batch.

A multi-row ``INSERT ... VALUES`` of a thousand rows is a new, very long
statement on every batch: the driver converts its placeholders each time and
PostgreSQL parses and plans it each time. On PostgreSQL the rows go instead as
one array per column in binary (``INSERT ... SELECT * FROM unnest(%b::bigint[], ...)``):
the same short text every time, which psycopg prepares once per connection.
SQLite keeps SQLAlchemy's plain executemany (it has no arrays, and is fast there).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, CursorResult, String, Table
from sqlalchemy.dialects import postgresql


def _pg_array_type(column: Any) -> str:
    # Text goes as text[]: an explicit cast to varchar(n) would cut a value silently, while the
    # insert's own assignment to the column refuses one too long, as a plain INSERT does.
    if isinstance(column.type, String):
        return "text[]"
    return f"{column.type.compile(dialect=postgresql.dialect())}[]"


@cache
def _pg_insert_text(table: Table, columns: tuple[str, ...]) -> str:
    quote = postgresql.dialect().identifier_preparer.quote
    arrays = ", ".join(f"%b::{_pg_array_type(table.c[c])}" for c in columns)
    return f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) SELECT * FROM unnest({arrays})"


def pg_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
              tail: str = "") -> CursorResult[Any]:
    """Insert ``rows`` (their ``columns``, in the rows' order) into ``table`` on PostgreSQL.

    ``tail`` is SQL that follows the insert as is (``ON CONFLICT ...``, ``RETURNING ...``);
    it must not vary with the rows, or the statement is not reused.
    """
    text = _pg_insert_text(table, tuple(columns))
    return conn.exec_driver_sql(f"{text} {tail}" if tail else text, tuple([r[c] for r in rows] for c in columns))


def pg_add_counts(conn: Connection, table: Table, keys: Sequence[str], columns: Sequence[str],
                  rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's ``columns`` to the stored row with the same ``keys`` (inserting it when missing)."""
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    sets = ", ".join(f"{quote(c)} = {name}.{quote(c)} + EXCLUDED.{quote(c)}" for c in columns)
    pg_insert(conn, table, tuple(keys) + tuple(columns), rows,
              f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {sets}")


def pg_replace(conn: Connection, table: Table, keys: Sequence[str], columns: Sequence[str],
               rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` whole: insert them, or overwrite ``columns`` of the stored row with the same ``keys``."""
    quote = conn.dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns)
    pg_insert(conn, table, tuple(keys) + tuple(columns), rows,
              f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {sets}")
