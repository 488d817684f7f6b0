"""Full-text search over stored versions: FTS5, PostgreSQL full-text, or LIKE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.models import Snapshot, Watch
from worker.store._base import StoreBase
from worker.store.browse import _watch_filters

TITLE_WEIGHT = 4.0  # a word in the headline counts as much as four in the body (FTS5's bm25)


@dataclass(frozen=True)
class ArticleHit:
    """One article found: its latest matching version, how many of its versions match and
    how many it has."""

    snapshot: Snapshot
    watch: Watch
    matches: int
    versions: int


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

    def search_articles(
        self,
        text: str,
        *,
        host: str | None = None,
        source: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[ArticleHit]:
        """Articles with a version whose headline or body holds every word of `text`, one hit
        each, most relevant first (FTS5's bm25, PostgreSQL's ts_rank; newest first with LIKE),
        filtered by host, source and the time versions were fetched (inclusive)."""
        words = text.split()
        if not words:
            return []
        with self.session() as session:
            matched, score, condition = _matching(session, words)
            query = select(
                Snapshot.watch_id,
                sa.func.min(score).label("best"),
                sa.func.count().label("matches"),
                sa.func.max(Snapshot.version).label("latest"),
            ).select_from(matched)
            query = query.join(Watch, col(Watch.id) == Snapshot.watch_id)
            query = query.where(condition, *_hit_filters(host, source, since, until))
            query = query.group_by(col(Snapshot.watch_id))
            query = query.order_by(sa.literal_column("best"), col(Snapshot.watch_id).desc())
            rows = list(session.execute(query.limit(limit).offset(offset)))
            return _hits(session, [(w, int(n), int(v)) for w, _, n, v in rows])


def _matching(session: Session, words: list[str]) -> tuple[Any, Any, Any]:
    """The versions to search (a FROM clause over Snapshot), a score of each (lower is
    better) and the condition a match meets."""
    snapshot = Snapshot.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        hits = (
            sa.text(
                # LIMIT -1 (no limit) keeps SQLite from flattening the subquery into the
                # join, outside of which bm25() cannot run.
                f"SELECT rowid AS id, bm25(snapshot_fts, {TITLE_WEIGHT}, 1.0) AS rank"
                " FROM snapshot_fts WHERE snapshot_fts MATCH :phrase LIMIT -1"
            )
            .bindparams(phrase=_phrase(words))
            .columns(id=sa.Integer, rank=sa.Float)
            .subquery("hits")
        )
        return snapshot.join(hits, hits.c.id == Snapshot.id), hits.c.rank, sa.true()
    if dialect == "postgresql":
        document, wanted = _tsvector(), _tsquery(words)
        return snapshot, -sa.func.ts_rank(document, wanted), document.op("@@")(wanted)
    return snapshot, -col(Snapshot.id), sa.and_(*(_contains(word) for word in words))


def _hit_filters(
    host: str | None, source: str | None, since: datetime | None, until: datetime | None
) -> list[Any]:
    conditions = _watch_filters(None, host, source, None)
    if since is not None:
        conditions.append(col(Snapshot.fetched_at) >= since)
    if until is not None:
        conditions.append(col(Snapshot.fetched_at) <= until)
    return conditions


def _hits(session: Session, rows: list[tuple[int, int, int]]) -> list[ArticleHit]:
    """The hits of (watch id, matching versions, latest matching version) rows, in order."""
    if not rows:
        return []
    pairs = [sa.and_(Snapshot.watch_id == w, Snapshot.version == v) for w, _, v in rows]
    query = select(Snapshot, Watch).join(Watch, col(Watch.id) == Snapshot.watch_id)
    found = {s.watch_id: (s, w) for s, w in session.exec(query.where(sa.or_(*pairs)))}
    ids = [w for w, _, _ in rows]
    counts = select(Snapshot.watch_id, sa.func.count()).where(col(Snapshot.watch_id).in_(ids))
    versions = dict(session.exec(counts.group_by(col(Snapshot.watch_id))).all())
    return [
        ArticleHit(*found[w], matches=n, versions=int(versions.get(w, n)))
        for w, n, _ in rows
        if w in found
    ]


def _phrase(words: list[str]) -> str:
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _tsvector() -> Any:
    # The same expression as the GIN index of migration 0007, so the index serves it.
    return sa.literal_column("to_tsvector('simple', snapshot.title || ' ' || snapshot.body)")


def _tsquery(words: list[str]) -> Any:
    return sa.func.plainto_tsquery(sa.literal_column("'simple'"), " ".join(words))


def _search_condition(session: Session, words: list[str]) -> Any:
    """Every word in the headline or body: FTS5, PostgreSQL full-text, or LIKE."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        hits = sa.text("SELECT rowid FROM snapshot_fts WHERE snapshot_fts MATCH :phrase")
        return col(Snapshot.id).in_(hits.bindparams(phrase=_phrase(words)))
    if dialect == "postgresql":
        return _tsvector().op("@@")(_tsquery(words))
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
