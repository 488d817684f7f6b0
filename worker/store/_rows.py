"""Row lookups and mappings that several sections of the store share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from worker.errors import NotFoundError, UsageError
from worker.models import URL_LENGTH, Snapshot, Watch
from worker.urls import is_http_url, normalise_url


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)  # SQLite aggregates come back without the type's help


def _checked_url(url: str) -> str:
    key = normalise_url(url)  # BadURLError for a port out of range or an unclosed '['
    if not is_http_url(url):
        raise UsageError(f"not an http(s) URL: {url!r}")
    if any(char.isspace() for char in url.strip()):
        raise UsageError(f"a URL has no spaces (percent-encode them as %20): {url!r}")
    if len(key) > URL_LENGTH:
        raise UsageError(f"URL longer than {URL_LENGTH} characters: {url[:100]}...")
    return key


def _watch_by_url(session: Session, url: str) -> Watch | None:
    return session.exec(select(Watch).where(Watch.url == url)).first()


def _require_watch(session: Session, url: str) -> Watch:
    watch = _watch_by_url(session, normalise_url(url))
    if watch is None:
        raise NotFoundError(f"not watched: {url}")
    return watch


def _insert_new(session: Session, row: Any) -> bool:
    """INSERT the row unless one with the same unique key exists; True if this inserted it.

    For rows that several workers may create at the same moment (a URL two feeds list, a
    site two checks find degraded): the loser sees the winner's row instead of an error that
    would undo its whole transaction.
    """
    table = type(row).__table__
    values = {
        column.name: getattr(row, column.name)
        for column in table.columns
        if not (column.primary_key and getattr(row, column.name) is None)
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(key)
    # RETURNING, not rowcount: psycopg reports -1 rows for a skipped INSERT.
    return session.execute(statement).first() is not None


def _latest_snapshot(session: Session, watch_id: int | None) -> Snapshot | None:
    query = select(Snapshot).where(Snapshot.watch_id == watch_id)
    return session.exec(query.order_by(col(Snapshot.version).desc()).limit(1)).first()


def _snapshot_by_version(session: Session, watch_id: int | None, version: int) -> Snapshot | None:
    query = select(Snapshot).where(Snapshot.watch_id == watch_id, Snapshot.version == version)
    return session.exec(query).first()


def _watches_with_versions() -> Any:
    versions = (
        select(Snapshot.watch_id, sa.func.count().label("n"))
        .group_by(col(Snapshot.watch_id))
        .subquery()
    )
    return select(Watch, sa.func.coalesce(versions.c.n, 0)).outerjoin(
        versions, versions.c.watch_id == Watch.id
    )
