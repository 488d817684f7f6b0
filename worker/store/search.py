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
# Relevance is ranked among the newest this many matching versions (after the filters):
# scoring is the costly part (bm25 reads every match's positions), so a search for common
# words costs the same on 50,000 versions as on 5,000. Older matches are reached by `until`.
RANKED = 1_000
_FTS = sa.table("snapshot_fts", sa.column("rowid", sa.Integer))


@dataclass(frozen=True)
class ArticleHit:
    """One article found: its latest matching version, how many of its versions match and
    how many it has."""

    snapshot: Snapshot
    watch: Watch
    matches: int
    versions: int


@dataclass(frozen=True)
class Found:
    """A page of articles found, from `ranked` matching versions; `capped` when more versions
    matched than the newest `RANKED` that were ranked (older ones are found by narrowing)."""

    hits: list[ArticleHit]
    ranked: int = 0
    capped: bool = False


@dataclass(frozen=True)
class _Matcher:
    """How versions are matched on this database: the FROM clause (versions joined to their
    watches), the version id column to order by, the condition a match meets and its score
    (lower is better)."""

    source: Any
    version_id: Any
    condition: Any
    score: Any


@dataclass(frozen=True)
class _Ranked:
    """An article in the ranked window: its best score, matching versions, latest match."""

    watch_id: int
    best: float
    matches: int
    latest: int


class SearchQueries(StoreBase):
    """Finding articles by the words their stored versions hold."""

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
    ) -> Found:
        """Articles with a version whose headline or body holds every word of `text`, one hit
        each, most relevant first (FTS5's bm25, PostgreSQL's ts_rank; newest first with LIKE)
        among the newest `RANKED` matching versions, filtered by host, source and the time
        versions were fetched (inclusive)."""
        words = text.split()
        if not words:
            return Found([])
        filters = _hit_filters(host, source, since, until)
        with self.session() as session:
            matcher = _matcher(session, words)
            newest = _window(session, matcher, filters)
            if not newest:
                return Found([])
            lowest, capped = newest[:RANKED][-1], len(newest) > RANKED
            page = _ranked(session, matcher, filters, lowest)[offset : offset + limit]
            older = _older_matches(session, matcher, filters, page, lowest) if capped else {}
            return Found(_hits(session, page, older), min(len(newest), RANKED), capped)


def _matcher(session: Session, words: list[str]) -> _Matcher:
    """FTS5 on SQLite, the stored, GIN-indexed tsvector on PostgreSQL (migration 0018), a plain LIKE
    scan where neither exists."""
    versions = Snapshot.__table__.join(Watch, col(Watch.id) == Snapshot.watch_id)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        fts = sa.literal_column("snapshot_fts")
        return _Matcher(
            source=_FTS.join(versions, col(Snapshot.id) == _FTS.c.rowid),
            version_id=_FTS.c.rowid,  # the order FTS5 gives without scoring
            condition=fts.op("MATCH")(_phrase(words)),
            score=sa.func.bm25(fts, TITLE_WEIGHT, 1.0),
        )
    if dialect == "postgresql":
        document, wanted = _tsvector(), _tsquery(words)
        return _Matcher(
            versions,
            col(Snapshot.id),
            document.op("@@")(wanted),
            -sa.func.ts_rank(document, wanted),
        )
    condition = sa.and_(*(_contains(word) for word in words))
    return _Matcher(versions, col(Snapshot.id), condition, -col(Snapshot.id))


def _window(session: Session, matcher: _Matcher, filters: list[Any]) -> list[int]:
    """The ids of the newest `RANKED` + 1 matching versions, newest first: no scoring yet."""
    query = select(matcher.version_id).select_from(matcher.source)
    query = query.where(matcher.condition, *filters).order_by(matcher.version_id.desc())
    return [int(key) for key in session.execute(query.limit(RANKED + 1)).scalars()]


def _ranked(session: Session, matcher: _Matcher, filters: list[Any], lowest: int) -> list[_Ranked]:
    """The articles of the matching versions from `lowest` on, best score first (the newer
    article first on a tie): one scored row per version, grouped here."""
    query = select(col(Snapshot.id), col(Snapshot.watch_id), matcher.score.label("score"))
    query = query.select_from(matcher.source)
    query = query.where(matcher.condition, *filters, matcher.version_id >= lowest)
    articles: dict[int, _Ranked] = {}
    for version_id, watch_id, score in session.execute(query):
        seen = articles.get(watch_id)
        articles[watch_id] = _Ranked(
            watch_id,
            float(score) if seen is None else min(seen.best, float(score)),
            1 if seen is None else seen.matches + 1,
            version_id if seen is None else max(seen.latest, version_id),
        )
    return sorted(articles.values(), key=lambda hit: (hit.best, -hit.watch_id))


def _older_matches(
    session: Session, matcher: _Matcher, filters: list[Any], page: list[_Ranked], lowest: int
) -> dict[int, int]:
    """How many of the page's articles' versions older than the ranked window match too."""
    ids = [hit.watch_id for hit in page]
    older = select(Snapshot.id).where(col(Snapshot.watch_id).in_(ids), Snapshot.id < lowest)
    versions = [int(key) for key in session.exec(older)]
    if not versions:
        return {}
    query = select(col(Snapshot.watch_id), sa.func.count()).select_from(matcher.source)
    query = query.where(matcher.condition, *filters, matcher.version_id.in_(versions))
    return {int(w): int(n) for w, n in session.execute(query.group_by(col(Snapshot.watch_id)))}


def _hit_filters(
    host: str | None, source: str | None, since: datetime | None, until: datetime | None
) -> list[Any]:
    conditions = _watch_filters(None, host, source, None)
    if since is not None:
        conditions.append(col(Snapshot.fetched_at) >= since)
    if until is not None:
        conditions.append(col(Snapshot.fetched_at) <= until)
    return conditions


def _hits(session: Session, page: list[_Ranked], older: dict[int, int]) -> list[ArticleHit]:
    """The hits of the ranked page, in order: each article's latest matching version."""
    if not page:
        return []
    query = select(Snapshot, Watch).join(Watch, col(Watch.id) == Snapshot.watch_id)
    latest = [hit.latest for hit in page]
    found = {s.watch_id: (s, w) for s, w in session.exec(query.where(col(Snapshot.id).in_(latest)))}
    ids = [hit.watch_id for hit in page]
    counts = select(Snapshot.watch_id, sa.func.count()).where(col(Snapshot.watch_id).in_(ids))
    versions = dict(session.exec(counts.group_by(col(Snapshot.watch_id))).all())
    hits = []
    for hit in page:
        if hit.watch_id in found:
            matches = hit.matches + older.get(hit.watch_id, 0)
            total = int(versions.get(hit.watch_id, matches))
            hits.append(ArticleHit(*found[hit.watch_id], matches=matches, versions=total))
    return hits


def _phrase(words: list[str]) -> str:
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _tsvector() -> Any:
    # The stored generated column of migration 0018, GIN-indexed.
    return sa.literal_column("snapshot.search_vector")


def _tsquery(words: list[str]) -> Any:
    return sa.func.plainto_tsquery(sa.literal_column("'simple'"), " ".join(words))


def _contains(word: str) -> Any:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        col(Snapshot.title).ilike(pattern, escape="\\"),
        col(Snapshot.body).ilike(pattern, escape="\\"),
    )


def _has_table(session: Session, name: str) -> bool:
    query = sa.text("SELECT 1 FROM sqlite_master WHERE name = :name")
    return session.execute(query, {"name": name}).first() is not None
