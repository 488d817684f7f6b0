"""The read side: watches, versions, changes and checks by id, in pages, for the web UI, the
API and the CLI (which looks a URL up once with `watch_id`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError, UsageError
from worker.models import Change, Check, Snapshot, Source, Watch
from worker.store._base import StoreBase
from worker.store._rows import _latest_snapshot, _snapshot_by_version, _watches_with_versions
from worker.store.sites import _on_host
from worker.types import SIGNIFICANCE, WATCH_STATUSES

STATES = WATCH_STATUSES  # what `watch_state` says of a watch (the one place this reads it)
CONTENT_KINDS = ("edit", "revert")  # changes of the text, as against removals and returns
# How /articles sorts: a column of the watch, and whether the largest comes first.
ARTICLE_ORDERS: dict[str, tuple[Any, bool]] = {
    "changed": (col(Watch.last_change_at), True),
    "checked": (col(Watch.last_checked_at), True),
    "next": (col(Watch.next_check_at), False),
    "address": (col(Watch.url), False),
    "added": (col(Watch.id), True),
}


@dataclass(frozen=True)
class ArticleRow:
    """A watch as /articles lists it: the latest headline, how many versions, and the
    significance of its latest change (None before the first)."""

    watch: Watch
    headline: str | None
    versions: int
    significance: str | None


class BrowseQueries(StoreBase):
    """Reads by id, paged where lists grow."""

    def headlines(self, watch_ids: Collection[int]) -> dict[int, str]:
        """The headline of each watch's latest version (watches without one are left out)."""
        latest = (
            select(Snapshot.watch_id, sa.func.max(Snapshot.version).label("version"))
            .where(col(Snapshot.watch_id).in_(list(watch_ids)))
            .group_by(col(Snapshot.watch_id))
            .subquery()
        )
        query = select(Snapshot.watch_id, Snapshot.title).join(
            latest,
            sa.and_(Snapshot.watch_id == latest.c.watch_id, Snapshot.version == latest.c.version),
        )
        with self.session() as session:
            return {watch_id: title for watch_id, title in session.exec(query)}

    def watch_by_id(self, watch_id: int) -> tuple[Watch, int]:
        """One watch with its number of stored versions, or NotFoundError."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is None:
                raise NotFoundError(f"no watch {watch_id}")
            count = select(sa.func.count()).where(Snapshot.watch_id == watch_id)
            return watch, int(session.exec(count).one())

    def watches_page(self, limit: int, offset: int = 0) -> list[tuple[Watch, int]]:
        """A page of watches with their number of stored versions, oldest first."""
        query = _watches_with_versions().order_by(col(Watch.id)).limit(limit).offset(offset)
        with self.session() as session:
            return [(watch, int(count)) for watch, count in session.exec(query)]

    def versions_of(
        self, watch_id: int, limit: int | None = None, offset: int = 0
    ) -> list[Snapshot]:
        """Stored versions of one watch, oldest first (NotFoundError for an unknown watch)."""
        query = (
            select(Snapshot).where(Snapshot.watch_id == watch_id).order_by(col(Snapshot.version))
        )
        with self.session() as session:
            if session.get(Watch, watch_id) is None:
                raise NotFoundError(f"no watch {watch_id}")
            return list(session.exec(query.limit(limit).offset(offset)))

    def version_of(self, watch_id: int, version: int | None = None) -> Snapshot:
        """One stored version of a watch (the latest when `version` is None), or
        NotFoundError."""
        with self.session() as session:
            watch = session.get(Watch, watch_id)
            if watch is None:
                raise NotFoundError(f"no watch {watch_id}")
            found = (
                _latest_snapshot(session, watch_id)
                if version is None
                else _snapshot_by_version(session, watch_id, version)
            )
        if found is None:
            which = "no version yet" if version is None else f"no version {version}"
            raise NotFoundError(f"{watch.url}: {which}")
        return found

    def change_by_id(self, change_id: int) -> tuple[Change, Watch]:
        """One change and its watch, or NotFoundError."""
        with self.session() as session:
            row = session.exec(_changes_query().where(Change.id == change_id)).first()
        if row is None:
            raise NotFoundError(f"no change {change_id}")
        return row

    def change_between(self, watch_id: int, from_version: int, to_version: int) -> Change | None:
        """The stored content change from one version to the next, if there is one."""
        query = select(Change).where(
            Change.watch_id == watch_id,
            Change.from_version == from_version,
            Change.to_version == to_version,
            col(Change.kind).in_(["edit", "revert"]),
        )
        with self.session() as session:
            return session.exec(query.order_by(col(Change.id).desc())).first()

    def recent_changes(
        self,
        *,
        source: str | None = None,
        field: str | None = None,
        significance: str | None = None,
        disclosure: str | None = None,
        watch_id: int | None = None,
        since: datetime | None = None,
        host: str | None = None,
        order: str = "time",
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[tuple[Change, Watch]]:
        """Changes, newest (or most significant) first, filtered by the source that enrolled
        the watch, a changed field, a least significance, how the page disclosed the change,
        one watch, a time (inclusive) or the host of the article; all of them with `limit`
        None."""
        query = _changes_query()
        if source is not None:
            query = query.where(Watch.source == source)
        if host is not None:
            query = query.where(_on_host(host))
        if field is not None:
            query = query.where(sa.cast(Change.fields, sa.Text).like(f'%"{_like_safe(field)}"%'))
        if significance is not None:
            query = query.where(col(Change.significance).in_(_at_least(significance)))
        if disclosure is not None:
            query = query.where(Change.disclosure == disclosure)
        if watch_id is not None:
            query = query.where(Change.watch_id == watch_id)
        if since is not None:
            query = query.where(col(Change.detected_at) >= since)
        if order == "significance":
            query = query.order_by(_significance_rank().desc())
        query = query.order_by(col(Change.detected_at).desc(), col(Change.id).desc())
        with self.session() as session:
            return list(session.exec(query.limit(limit).offset(offset)))

    def version_titles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The headlines of these (watch id, version) pairs."""
        if not keys:
            return {}
        # OR of pairs rather than a tuple IN: SQLite answers each pair from the unique index.
        pairs = [
            sa.and_(Snapshot.watch_id == watch_id, Snapshot.version == version)
            for watch_id, version in set(keys)
        ]
        query = select(Snapshot.watch_id, Snapshot.version, Snapshot.title)
        with self.session() as session:
            rows = session.exec(query.where(sa.or_(*pairs)))
            return {(watch_id, version): title for watch_id, version, title in rows}

    def checks_of(self, watch_id: int, limit: int | None = 50, offset: int = 0) -> list[Check]:
        """The checks of one watch, newest first (NotFoundError for an unknown watch)."""
        query = select(Check).where(Check.watch_id == watch_id)
        query = query.order_by(col(Check.started_at).desc(), col(Check.id).desc())
        with self.session() as session:
            if session.get(Watch, watch_id) is None:
                raise NotFoundError(f"no watch {watch_id}")
            return list(session.exec(query.limit(limit).offset(offset)))

    def failing_watches(
        self, limit: int = 20, host: str | None = None
    ) -> list[tuple[Watch, Check | None]]:
        """Active watches whose latest checks failed, most failures first, with the last check
        (of one host, if given)."""
        query = select(Watch).where(col(Watch.active), col(Watch.consecutive_failures) > 0)
        if host is not None:
            query = query.where(_on_host(host))
        query = query.order_by(col(Watch.consecutive_failures).desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def held_watches(self, limit: int = 20) -> list[tuple[Watch, Check | None]]:
        """Active watches whose new content is held as suspect, with the last check."""
        query = select(Watch).where(col(Watch.active), col(Watch.hold_count) > 0)
        # An expression, not the column: with the LIMIT bound, SQLite would otherwise walk
        # ix_watch_last_checked over every watch rather than find the few held ones by
        # ix_watch_held. A held watch was checked, so the order is the same.
        last_checked = sa.func.coalesce(col(Watch.last_checked_at), col(Watch.created_at))
        query = query.order_by(last_checked.desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def _with_last_check(self, query: Any) -> list[tuple[Watch, Check | None]]:
        with self.session() as session:
            watches = list(session.exec(query))
            last = _last_checks(session, [watch.id for watch in watches if watch.id])
        return [(watch, last.get(watch.id or 0)) for watch in watches]

    def articles_page(
        self,
        *,
        state: str | None = None,
        host: str | None = None,
        source: str | None = None,
        label: str | None = None,
        order: str = "changed",
        limit: int = 50,
        offset: int = 0,
    ) -> list[ArticleRow]:
        """A page of watches, filtered by state (as `watch_state` says), host, source and
        label, in one of ARTICLE_ORDERS; one query, whose per-row lookups run only for the
        rows of the page."""
        column, descending = ARTICLE_ORDERS[order]
        ordering = [column.desc().nulls_last() if descending else column.asc().nulls_last()]
        ordering.append(col(Watch.id).desc() if descending else col(Watch.id).asc())
        page = select(Watch.id).where(*_watch_filters(state, host, source, label))
        ids = page.order_by(*ordering).limit(limit).offset(offset).subquery("page")
        query = select(Watch, _versions(), _headline(), _last_significance())
        query = query.join(ids, ids.c.id == Watch.id).order_by(*ordering)
        with self.session() as session:
            return [
                ArticleRow(watch, headline, int(n), sig)
                for watch, n, headline, sig in session.exec(query)
            ]

    def watch_labels(self) -> list[str]:
        """The labels watches carry, in order."""
        query = select(Watch.label).where(col(Watch.label).is_not(None)).distinct()
        with self.session() as session:
            return sorted(label for label in session.exec(query) if label)

    def state_counts(self, *, host: str | None = None, source: str | None = None) -> dict[str, int]:
        """How many watches are in each state (of one host or source, if given)."""
        by_source = self.states_by_source(host=host, source=source)
        counts = dict.fromkeys(STATES, 0)
        for states in by_source.values():
            for state, n in states.items():
                counts[state] += n
        return counts

    def states_by_source(
        self, *, host: str | None = None, source: str | None = None
    ) -> dict[str | None, dict[str, int]]:
        """Per source URL (None: added by hand), how many of its watches are in each state."""
        state = _state_case()
        query = select(Watch.source, state, sa.func.count()).where(
            *_watch_filters(None, host, source, None)
        )
        query = query.group_by(col(Watch.source), state)
        found: dict[str | None, dict[str, int]] = {}
        with self.session() as session:
            for url, name, n in session.exec(query):
                found.setdefault(url, dict.fromkeys(STATES, 0))[name] = int(n)
        return found

    def source_by_id(self, source_id: int) -> Source:
        """One source, or NotFoundError."""
        with self.session() as session:
            source = session.get(Source, source_id)
        if source is None:
            raise NotFoundError(f"no source {source_id}")
        return source

    def edits_per_day(
        self, since: datetime, host: str | None = None
    ) -> list[tuple[str, str, str | None, int]]:
        """(day as YYYY-MM-DD in UTC, significance, disclosure, how many) of the edits and
        reverts detected since `since` (on one host, if given)."""
        with self.session() as session:
            day = _day(session, col(Change.detected_at))
            query = select(day, Change.significance, Change.disclosure, sa.func.count())
            query = _edits_since(query, since, host)
            query = query.group_by(day, col(Change.significance), col(Change.disclosure))
            return [(str(d), sig, how, int(n)) for d, sig, how, n in session.exec(query)]

    def most_edited(
        self, since: datetime, host: str | None = None, limit: int = 10
    ) -> list[tuple[Watch, int]]:
        """The watches with the most edits since `since`, with that number, most first."""
        edits = sa.func.count().label("edits")
        counted = _edits_since(select(Change.watch_id, edits), since, host)
        counted = counted.group_by(col(Change.watch_id)).order_by(
            edits.desc(), col(Change.watch_id)
        )
        top = counted.limit(limit).subquery("top")
        query = select(Watch, top.c.edits).join(top, top.c.watch_id == Watch.id)
        with self.session() as session:
            rows = [(watch, int(n)) for watch, n in session.exec(query)]
        return sorted(rows, key=lambda row: (-row[1], row[0].id or 0))

    def busiest_hosts(self, since: datetime, limit: int = 20) -> list[tuple[str, int]]:
        """The hosts whose articles had the most edits since `since`, with that number."""
        with self.session() as session:
            host = col(Watch.host)
            edits = sa.func.count().label("edits")
            query = _edits_since(select(host, edits), since, None, join=True)
            query = query.group_by(host).order_by(edits.desc(), host).limit(limit)
            return [(str(name), int(n)) for name, n in session.exec(query)]


def _watch_filters(
    state: str | None, host: str | None, source: str | None, label: str | None
) -> list[Any]:
    conditions = []
    if state is not None:
        conditions.append(_in_state(state))
    if host is not None:
        conditions.append(_on_host(host))
    if source is not None:
        conditions.append(Watch.source == source)
    if label is not None:
        conditions.append(Watch.label == label)
    return conditions


def _state_conditions() -> dict[str, Any]:
    """`models.watch_state` in SQL, state by state, in the order it decides."""
    retired = sa.or_(sa.not_(col(Watch.active)), col(Watch.retired_at).is_not(None))
    failing = col(Watch.consecutive_failures) != 0
    held = col(Watch.hold_count) != 0
    return {
        "retired": retired,
        "failing": sa.and_(sa.not_(retired), failing),
        "held": sa.and_(sa.not_(retired), sa.not_(failing), held),
        "ok": sa.and_(sa.not_(retired), sa.not_(failing), sa.not_(held)),
    }


def _in_state(state: str) -> Any:
    conditions = _state_conditions()
    if state not in conditions:
        raise UsageError(f"unknown state {state!r}")
    return conditions[state]


def _state_case() -> Any:
    whens = [(condition, name) for name, condition in _state_conditions().items()]
    return sa.case(*whens, else_="ok").label("state")


def _versions() -> Any:
    query = select(sa.func.count()).where(Snapshot.watch_id == Watch.id)
    return query.correlate(Watch).scalar_subquery()


def _headline() -> Any:
    query = select(Snapshot.title).where(Snapshot.watch_id == Watch.id)
    return query.order_by(col(Snapshot.version).desc()).limit(1).correlate(Watch).scalar_subquery()


def _last_significance() -> Any:
    query = select(Change.significance).where(
        Change.watch_id == Watch.id, col(Change.kind).in_(CONTENT_KINDS)
    )
    return query.order_by(col(Change.id).desc()).limit(1).correlate(Watch).scalar_subquery()


def _edits_since(query: Any, since: datetime, host: str | None, join: bool = False) -> Any:
    """Edits and reverts detected since `since`; joined to their watch for a host (or when
    `join`), else read from ix_change_window alone."""
    query = query.select_from(Change)
    if host is not None or join:
        query = query.join(Watch, col(Watch.id) == Change.watch_id)
    query = query.where(col(Change.detected_at) >= since, col(Change.kind).in_(CONTENT_KINDS))
    return query.where(_on_host(host)) if host is not None else query


def _day(session: Session, column: Any) -> Any:
    """The UTC day of a time, as YYYY-MM-DD (SQLite stores UTC without an offset)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.date(column)


def _changes_query() -> Any:
    return select(Change, Watch).join(Watch, col(Watch.id) == Change.watch_id)


def _like_safe(text: str) -> str:
    return "".join(char for char in text if char.isalnum() or char == "_")


def _at_least(significance: str) -> list[str]:
    if significance not in SIGNIFICANCE:
        raise UsageError(f"unknown significance {significance!r}")
    return list(SIGNIFICANCE[SIGNIFICANCE.index(significance) :])


def _significance_rank() -> Any:
    ranks = {name: rank for rank, name in enumerate(SIGNIFICANCE)}
    return sa.case(ranks, value=col(Change.significance), else_=-1)


def _last_checks(session: Session, watch_ids: list[int]) -> dict[int, Check]:
    if not watch_ids:
        return {}
    latest = (
        select(sa.func.max(Check.id))
        .where(col(Check.watch_id).in_(watch_ids))
        .group_by(col(Check.watch_id))
    )
    checks = session.exec(select(Check).where(col(Check.id).in_(latest)))
    return {check.watch_id: check for check in checks}
