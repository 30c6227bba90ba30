"""Opening the central database and migrating it with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = "sqlite:///central.db"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` (as admins write it) and use the psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy emit BEGIN itself (below): pysqlite's own is deferred.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock up front: two deferred transactions that
            # both read then write would fail with "database is locked" instead of waiting.
            # Readers (see reader()) stay deferred: in WAL mode they never block a writer.
            if connection.get_execution_options().get("readonly"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def reader(engine: Engine) -> Engine:
    """The same engine for read-only work (on SQLite: no write lock taken)."""
    return engine.execution_options(readonly=True)


def alembic_config(url: str) -> AlembicConfig:
    """Alembic's configuration for this package's migrations (no alembic.ini needed)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database up to the newest schema (idempotent)."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several server processes may start at once: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(730105)")
        before = MigrationContext.configure(connection).get_current_revision()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    if after != before and engine.dialect.name == "sqlite":
        # A revision may have rewritten rows (0003 drops personal data): fold the WAL into the
        # file and empty it, so no old page image stays behind in the -wal file.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def is_migrated(engine: Engine) -> bool:
    """Whether the schema exists (the server refuses to start on an empty database)."""
    return inspect(engine).has_table("alembic_version")
