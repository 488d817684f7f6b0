"""The read side: watches, versions, changes and checks by id, in pages, for the web UI, the
API and the CLI (which looks a URL up once with `watch_id`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from worker.errors import NotFoundError, UsageError
from worker.models import Change, Check, Snapshot, Watch
from worker.store._base import StoreBase
from worker.store._rows import _latest_snapshot, _snapshot_by_version, _watches_with_versions
from worker.types import SIGNIFICANCE


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
        order: str = "time",
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[tuple[Change, Watch]]:
        """Changes, newest (or most significant) first, filtered by the source that enrolled
        the watch, a changed field, a least significance, how the page disclosed the change,
        one watch or a time (inclusive); all of them with `limit` None."""
        query = _changes_query()
        if source is not None:
            query = query.where(Watch.source == source)
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

    def failing_watches(self, limit: int = 20) -> list[tuple[Watch, Check | None]]:
        """Active watches whose latest checks failed, most failures first, with the last check."""
        query = select(Watch).where(col(Watch.active), col(Watch.consecutive_failures) > 0)
        query = query.order_by(col(Watch.consecutive_failures).desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def held_watches(self, limit: int = 20) -> list[tuple[Watch, Check | None]]:
        """Active watches whose new content is held as suspect, with the last check."""
        query = select(Watch).where(col(Watch.active), col(Watch.hold_count) > 0)
        query = query.order_by(col(Watch.last_checked_at).desc(), col(Watch.id))
        return self._with_last_check(query.limit(limit))

    def _with_last_check(self, query: Any) -> list[tuple[Watch, Check | None]]:
        with self.session() as session:
            watches = list(session.exec(query))
            last = _last_checks(session, [watch.id for watch in watches if watch.id])
        return [(watch, last.get(watch.id or 0)) for watch in watches]


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
