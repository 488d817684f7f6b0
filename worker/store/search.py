"""Full-text search over stored versions: FTS5, PostgreSQL full-text, or LIKE."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.models import Snapshot, Watch
from worker.store._base import StoreBase
from worker.store.browse import _watch_filters

TITLE_WEIGHT = 4.0  # a word in the headline counts as much as four in the body (FTS5's bm25)
# Scoring is the costly part (bm25 reads every match's positions, ts_rank each match's vector),
# so it is bounded: the newest matching versions (after the filters) are read, newest first,
# at most SCANNED of them, keeping at most PER_ARTICLE of one article (a page rewritten every
# check cannot crowd the others out) and RANKED in all; only those are scored. The matches of
# the page's articles are counted over their newest COUNTED versions. So a search for the
# commonest words costs about the same on 50,000 versions as on 5,000.
RANKED = 1_000
PER_ARTICLE = 3
SCANNED = 10_000
COUNTED = 2_000
# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese):
# the word index holds a whole run of them as one token, so such a term is looked for as a
# substring, in the newest SUBSTRING_SCANNED versions that pass the filters.
SUBSTRING_SCANNED = 5_000
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_FTS = sa.table("snapshot_fts", sa.column("rowid", sa.Integer))


@dataclass(frozen=True)
class ArticleHit:
    """One article found: its latest matching version, how many of its versions match and
    how many it has."""

    snapshot: Snapshot
    watch: Watch
    matches: int
    versions: int
    partial: bool = False  # matches counted over the article's newest versions only


@dataclass(frozen=True)
class Found:
    """A page of articles found, from `ranked` matching versions; `capped` when more versions
    matched than were read for ranking (older ones are found by narrowing the search)."""

    hits: list[ArticleHit]
    ranked: int = 0
    capped: bool = False


@dataclass(frozen=True)
class _Matcher:
    """How versions are matched on this database: the FROM clause (versions joined to their
    watches), the version id column to order by, the condition a match meets, its score
    (lower is better), and whether versions are scored by their ids (an index lookup each)
    rather than over the range of ids from the window's oldest (FTS5, where a lookup by id
    costs more than reading a match in order)."""

    source: Any
    version_id: Any
    condition: Any
    score: Any
    by_ids: bool = True


@dataclass(frozen=True)
class _Ranked:
    """An article in the ranked window: its best score and its latest matching version."""

    watch_id: int
    best: float
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
        """Articles with a version whose headline or body holds every word and quoted phrase
        of `text` (`terms`), one hit each, most relevant first (FTS5's bm25, PostgreSQL's
        ts_rank; newest first with LIKE) among the newest matching versions (see `RANKED`),
        filtered by host, source and the time versions were fetched (inclusive)."""
        wanted = terms(text)
        if not wanted:
            return Found([])
        filters = _hit_filters(host, source, since, until)
        indexed, unspaced = _by_script(wanted)
        with self.session() as session:
            floor = _substring_floor(session, filters) if unspaced else None
            matcher = _matcher(session, indexed, unspaced, floor)
            window, capped = _window(session, matcher, filters)
            if not window:
                return Found([], capped=floor is not None)
            page = _ranked(session, matcher, filters, window)[offset : offset + limit]
            counts = _match_counts(session, matcher, filters, [hit.watch_id for hit in page])
            hits = _hits(session, page, counts)
            return Found(hits, len(window), capped or floor is not None)


Term = tuple[str, ...]  # the words of one term: a word, or a phrase's words in order
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')  # a quoted phrase (closed or not), or a word


def terms(text: str) -> list[Term]:
    """What a search asks for: words, and phrases in double quotes ('"prime minister" resigns'
    is the phrase and the word), each a tuple of its words; every one must be found."""
    found = []
    for match in _TERM.finditer(text):
        phrase, word = match.groups()
        words = tuple(phrase.split()) if phrase is not None else (word,)
        if words:
            found.append(words)
    return found


def _by_script(wanted: list[Term]) -> tuple[list[Term], list[Term]]:
    """The terms the word index holds, and those of scripts written without spaces."""
    unspaced = [term for term in wanted if _UNSPACED.search(" ".join(term))]
    return [term for term in wanted if term not in unspaced], unspaced


def search_words(text: str) -> list[str]:
    """Every word a search asks for, its phrases' words included (for marking snippets)."""
    return [word for term in terms(text) for word in term]


def _substring_floor(session: Session, filters: list[Any]) -> int | None:
    """The id below which substrings are not looked for: that of the SUBSTRING_SCANNED-th
    newest version that passes the filters (None when there are fewer)."""
    query = select(Snapshot.id).join(Watch, col(Watch.id) == Snapshot.watch_id).where(*filters)
    query = query.order_by(col(Snapshot.id).desc()).offset(SUBSTRING_SCANNED).limit(1)
    found = session.exec(query).first()
    return None if found is None else int(found)


def _substrings(terms: list[Term], version_id: Any, floor: int | None) -> list[Any]:
    """The conditions of terms looked for as substrings (no case to fold in these scripts),
    within the versions newer than `floor`."""
    conditions = [_contains(term, fold=False) for term in terms]
    return conditions + ([version_id > floor] if floor is not None else [])


def _matcher(
    session: Session,
    words: list[Term],
    unspaced: list[Term],
    floor: int | None,
) -> _Matcher:
    """FTS5 on SQLite, the stored, GIN-indexed tsvector on PostgreSQL (migration 0018), a plain
    LIKE scan where neither exists or no term is a word they index; the `unspaced` terms as
    substrings besides, in the versions newer than `floor`."""
    versions = Snapshot.__table__.join(Watch, col(Watch.id) == Snapshot.watch_id)
    dialect = session.get_bind().dialect.name
    if not words:
        also = _substrings(unspaced, col(Snapshot.id), floor)
        return _Matcher(versions, col(Snapshot.id), sa.and_(*also), -col(Snapshot.id))
    if dialect == "sqlite" and _has_table(session, "snapshot_fts"):
        fts = sa.literal_column("snapshot_fts")
        also = _substrings(unspaced, _FTS.c.rowid, floor)  # a rowid range FTS5 itself keeps
        return _Matcher(
            source=_FTS.join(versions, col(Snapshot.id) == _FTS.c.rowid),
            version_id=_FTS.c.rowid,  # the order FTS5 gives without scoring
            condition=sa.and_(fts.op("MATCH")(_phrase(words)), *also),
            score=sa.func.bm25(fts, TITLE_WEIGHT, 1.0),
            by_ids=False,
        )
    also = _substrings(unspaced, col(Snapshot.id), floor)
    if dialect == "postgresql":
        document, wanted = _tsvector(), _tsquery(words)
        return _Matcher(
            versions,
            col(Snapshot.id),
            sa.and_(document.op("@@")(wanted), *also),
            -sa.func.ts_rank(document, wanted),
        )
    condition = sa.and_(*(_contains(term) for term in words), *also)
    return _Matcher(versions, col(Snapshot.id), condition, -col(Snapshot.id))


def _window(session: Session, matcher: _Matcher, filters: list[Any]) -> tuple[set[int], bool]:
    """The ids of the versions to score: the newest matching ones, PER_ARTICLE at most of one
    article, RANKED in all, read from the SCANNED newest (no scoring yet); and whether
    matches were left unread."""
    query = select(matcher.version_id, col(Snapshot.watch_id)).select_from(matcher.source)
    query = query.where(matcher.condition, *filters).order_by(matcher.version_id.desc())
    taken: set[int] = set()
    per_article: Counter[int] = Counter()
    # Streamed (an ORM result is read whole otherwise): reading stops once the window is full.
    rows = session.execute(query.limit(SCANNED + 1).execution_options(yield_per=256))
    for read, (version_id, watch_id) in enumerate(rows):
        if read == SCANNED or len(taken) == RANKED:
            return taken, True
        if per_article[watch_id] < PER_ARTICLE:
            taken.add(int(version_id))
            per_article[watch_id] += 1
    return taken, False


def _ranked(
    session: Session, matcher: _Matcher, filters: list[Any], window: set[int]
) -> list[_Ranked]:
    """The articles of the window, best score first (the newer article first on a tie): its
    versions scored by id, or those from its oldest on scored and its own kept."""
    query = select(col(Snapshot.id), col(Snapshot.watch_id), matcher.score.label("score"))
    query = query.select_from(matcher.source).where(matcher.condition, *filters)
    if matcher.by_ids:
        query = query.where(col(Snapshot.id).in_(sorted(window)))
    else:
        query = query.where(matcher.version_id >= min(window))
    articles: dict[int, _Ranked] = {}
    for version_id, watch_id, score in session.execute(query):
        if version_id not in window:
            continue
        seen = articles.get(watch_id)
        articles[watch_id] = _Ranked(
            watch_id,
            float(score) if seen is None else min(seen.best, float(score)),
            version_id if seen is None else max(seen.latest, version_id),
        )
    return sorted(articles.values(), key=lambda hit: (hit.best, -hit.watch_id))


def _match_counts(
    session: Session, matcher: _Matcher, filters: list[Any], ids: list[int]
) -> dict[int, tuple[int, int]]:
    """Of each article: its matching versions among the COUNTED newest versions of these
    articles, and how many of its versions those were."""
    if not ids:
        return {}
    newest = select(Snapshot.id, Snapshot.watch_id).where(col(Snapshot.watch_id).in_(ids))
    newest = newest.order_by(col(Snapshot.id).desc()).limit(COUNTED)
    considered = list(session.exec(newest))
    looked = Counter(watch_id for _, watch_id in considered)
    query = select(col(Snapshot.watch_id), sa.func.count()).select_from(matcher.source)
    query = query.where(matcher.condition, *filters)
    query = query.where(matcher.version_id.in_([version_id for version_id, _ in considered]))
    found = {int(w): int(n) for w, n in session.execute(query.group_by(col(Snapshot.watch_id)))}
    return {watch_id: (found.get(watch_id, 0), looked[watch_id]) for watch_id in ids}


def _hit_filters(
    host: str | None, source: str | None, since: datetime | None, until: datetime | None
) -> list[Any]:
    conditions = _watch_filters(None, host, source, None)
    if since is not None:
        conditions.append(col(Snapshot.fetched_at) >= since)
    if until is not None:
        conditions.append(col(Snapshot.fetched_at) <= until)
    return conditions


def _hits(
    session: Session, page: list[_Ranked], counts: dict[int, tuple[int, int]]
) -> list[ArticleHit]:
    """The hits of the ranked page, in order: each article's latest matching version."""
    if not page:
        return []
    query = select(Snapshot, Watch).join(Watch, col(Watch.id) == Snapshot.watch_id)
    latest = [hit.latest for hit in page]
    found = {s.watch_id: (s, w) for s, w in session.exec(query.where(col(Snapshot.id).in_(latest)))}
    ids = [hit.watch_id for hit in page]
    totals = select(Snapshot.watch_id, sa.func.count()).where(col(Snapshot.watch_id).in_(ids))
    versions = dict(session.exec(totals.group_by(col(Snapshot.watch_id))).all())
    hits = []
    for hit in page:
        if hit.watch_id in found:
            matches, looked = counts.get(hit.watch_id, (1, 1))
            total = int(versions.get(hit.watch_id, looked))
            partial = looked < total
            hits.append(ArticleHit(*found[hit.watch_id], max(matches, 1), total, partial))
    return hits


def _phrase(wanted: list[Term]) -> str:
    """An FTS5 query: each term a quoted phrase (one word, or several in a row), all of them."""
    return " ".join('"' + " ".join(term).replace('"', '""') + '"' for term in wanted)


def _tsvector() -> Any:
    # The stored generated column of migration 0018, GIN-indexed.
    return sa.literal_column("snapshot.search_vector")


def _tsquery(wanted: list[Term]) -> Any:
    """Every term: phraseto_tsquery keeps a phrase's words in order, `&&` joins the terms."""
    simple = sa.literal_column("'simple'")
    queries = [sa.func.phraseto_tsquery(simple, " ".join(term)) for term in wanted]
    combined = queries[0]
    for query in queries[1:]:
        combined = combined.op("&&")(query)
    return combined


def _contains(term: Term, fold: bool = True) -> Any:
    """The headline or body holds the term (any case, unless not `fold`)."""
    word = " ".join(term)
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (col(Snapshot.title), col(Snapshot.body))
    if fold:
        return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))
    return sa.or_(*(column.like(pattern, escape="\\") for column in columns))


def _has_table(session: Session, name: str) -> bool:
    query = sa.text("SELECT 1 FROM sqlite_master WHERE name = :name")
    return session.execute(query, {"name": name}).first() is not None
