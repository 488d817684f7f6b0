"""Full-text search over stored versions: FTS5, PostgreSQL full-text, or LIKE."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.models import Snapshot, Watch
from worker.store._base import StoreBase


class SearchQueries(StoreBase):
    """Finding stored versions by the words they hold."""

    def search_versions(
        self, text: str, limit: int = 20, offset: int = 0
    ) -> list[tuple[Snapshot, Watch]]:
        """Stored versions whose headline or body holds every word of `text`, newest first.

        FTS5 on SQLite and the GIN-indexed tsvector on PostgreSQL (migration 0007); a plain
        LIKE scan where neither exists.
        """
        words = text.split()
        if not words:
            return []
        query = select(Snapshot, Watch).join(Watch, col(Watch.id) == Snapshot.watch_id)
        with self.session() as session:
            query = query.where(_search_condition(session, words))
            query = query.order_by(col(Snapshot.id).desc()).limit(limit).offset(offset)
            return list(session.exec(query))


def _search_condition(session: Session, words: list[str]) -> Any:
    """Every word in the headline or body: FTS5, PostgreSQL full-text, or LIKE."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        phrase = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        hits = sa.text("SELECT rowid FROM snapshot_fts WHERE snapshot_fts MATCH :phrase")
        return col(Snapshot.id).in_(hits.bindparams(phrase=phrase))
    if dialect == "postgresql":
        # The same expression as the GIN index of migration 0007, so the index serves it.
        document = "to_tsvector('simple', snapshot.title || ' ' || snapshot.body)"
        wanted = sa.func.plainto_tsquery(sa.literal_column("'simple'"), " ".join(words))
        return sa.literal_column(document).op("@@")(wanted)
    return sa.and_(*(_contains(word) for word in words))


def _contains(word: str) -> Any:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        col(Snapshot.title).ilike(pattern, escape="\\"),
        col(Snapshot.body).ilike(pattern, escape="\\"),
    )


def _has_table(session: Session, name: str) -> bool:
    query = sa.text("SELECT 1 FROM sqlite_master WHERE name = :name")
    return session.execute(query, {"name": name}).first() is not None
