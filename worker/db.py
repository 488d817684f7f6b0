"""Database engine and migrations: SQLite (embedded default) or PostgreSQL via psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from worker.errors import ConfigError, DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x6E657773  # "news": the advisory lock key migrations hold on PostgreSQL


def create_engine(url: str) -> Engine:
    """An engine for `url`; on SQLite, WAL mode, a busy timeout and foreign keys are on."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url)
        return sa.create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
        )
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        shown = _shown(url)
        reason = str(exc).replace(url, shown)
        raise ConfigError(f"cannot use database URL {shown}: {reason}") from None


def _shown(url: str) -> str:
    """The URL with its password masked, for messages; unparseable URLs by scheme only."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return f"{url.partition(':')[0]}:..."


def _sqlite_engine(url: str) -> Engine:
    _make_parent_dir(url)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file_missing(url: str) -> str | None:
    """The path of the SQLite file `url` names if that file does not exist; else None
    (the file exists, the database is in memory, or it is not SQLite)."""
    parsed = sa.engine.make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if parsed.query.get("uri") or database.startswith("file:"):
        return None  # a SQLite URI: its own rules
    return None if Path(database).exists() else database


def _make_parent_dir(url: str) -> None:
    """A SQLite file goes into an existing folder: a mistyped path must not grow a tree."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise ConfigError(f"cannot create database {database}: folder {folder} does not exist")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The newest migration's revision (tests/test_db.py checks it against Alembic's head).
SCHEMA_HEAD = "0018"


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is the newest one already (one small query)."""
    try:
        with engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return [row[0] for row in found] == [SCHEMA_HEAD]
    except sa.exc.DBAPIError:
        return False  # no table yet, or no database: migrate() says which


@contextmanager
def _one_transaction(connection: sa.Connection) -> Iterator[None]:
    """All of a migration in one transaction: a kill leaves the old schema or the new one.

    PostgreSQL: workers starting together queue on an advisory lock; the first migrates,
    the rest find the schema at head. SQLite has transactional DDL too, but its Python driver
    runs each CREATE TABLE outside any transaction, so the driver's own handling is switched
    off for this connection and the transaction is begun by hand.
    """
    if connection.dialect.name != "sqlite":
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    before = driver.isolation_level
    driver.isolation_level = None  # the driver no longer opens or closes transactions itself
    try:
        with connection.begin():  # its commit or rollback ends the BEGIN below
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield
    finally:
        driver.isolation_level = before


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    if at_head(engine):
        return
    # Imported here: loading Alembic and its migration scripts is a fifth of the start-up
    # time, and a database at head (every command but the first) never needs them.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect() as connection, _one_transaction(connection):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except sa.exc.OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"cannot open or migrate the database {where}: {exc.orig}") from None
