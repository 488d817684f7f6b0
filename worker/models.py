"""SQLModel tables. Every query on them lives in `worker.store`."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Column, Field, SQLModel

from worker.types import (
    ARCHIVE_KINDS,
    CHANGE_KINDS,
    DELIVERY_STATUSES,
    DISCLOSURES,
    EVENT_KINDS,
    FETCHER_CHOICES,
    FETCHERS,
    NOISE_KINDS,
    OUTCOMES,
    SIGNIFICANCE,
    SOURCE_KINDS,
    Article,
    CheckRecord,
    DateNote,
    Link,
    WatchStatus,
)
from worker.urls import host_of


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: newswatch stores UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


# Column sizes of values that come from scraped pages; extraction and enrolment keep to them.
URL_LENGTH = 2048
HOST_LENGTH = 255  # a DNS name's limit (RFC 1035); an IPv6 literal is shorter
LANGUAGE_LENGTH = 35
SITE_NAME_LENGTH = 300


def one_of(table: str, column: str, words: tuple[str, ...]) -> sa.CheckConstraint:
    """The check constraint that keeps a column to one of the domain's words (worker.types).
    Changing such a word needs a migration that recreates its constraint."""
    allowed = ", ".join(f"'{word}'" for word in words)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


# The columns that hold one of the domain's words, by table.
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "check": {"outcome": OUTCOMES, "fetcher": FETCHERS},
    "change": {"kind": CHANGE_KINDS, "significance": SIGNIFICANCE, "disclosure": DISCLOSURES},
    "delivery": {"event": EVENT_KINDS, "status": DELIVERY_STATUSES},
    "source": {"kind": SOURCE_KINDS, "fetcher": FETCHER_CHOICES},
    "noiserule": {"kind": NOISE_KINDS},
    "archive_entry": {"kind": ARCHIVE_KINDS},
}


def _vocabulary(table: str) -> list[sa.CheckConstraint]:
    return [one_of(table, column, words) for column, words in VOCABULARY[table].items()]


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Watch(SQLModel, table=True):
    """One article URL that newswatch re-checks.

    `fetcher` is what it asks for (plain, browser, auto; None: as `[fetch] browser` says);
    `needs_browser`: the last `auto` check found the page a script shell and rendered it.
    `host` is the URL's host (`urls.host_of`), kept so that a filter by host is an index
    lookup; it is set from the URL on every way a watch is made (`_host_from_url`).
    (`fetcher` has no check constraint: SQLite would have to rebuild this table, which the
    others reference; the config and the command line admit only the choices.)
    """

    __table_args__ = (
        # /articles sorted by its last change or check, the failing and held watches found
        # without a scan, and the states of a source's watches counted from the index alone
        # (migration 0016).
        sa.Index("ix_watch_last_change", "last_change_at"),
        sa.Index("ix_watch_last_checked", "last_checked_at"),
        sa.Index("ix_watch_failing", "consecutive_failures"),
        sa.Index("ix_watch_held", "hold_count"),
        sa.Index(
            "ix_watch_source_state",
            "source",
            "active",
            "retired_at",
            "consecutive_failures",
            "hold_count",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(sa.String(URL_LENGTH), unique=True, nullable=False))
    host: str | None = Field(
        default=None,
        sa_column=Column(sa.String(HOST_LENGTH), index=True, default=lambda ctx: _host_of_row(ctx)),
    )
    canonical_url: str | None = Field(default=None, max_length=URL_LENGTH)
    source: str | None = Field(default=None, max_length=URL_LENGTH)
    label: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    from_config: bool = Field(default=False)
    by_hand: bool = Field(default=False)  # added by the operator (CLI or config), not a source
    every_seconds: int | None = Field(default=None)
    next_check_at: datetime | None = _when(index=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = _when()
    etag: str | None = Field(default=None, max_length=512)
    last_modified: str | None = Field(default=None, max_length=128)
    raw_hash: str | None = Field(default=None, max_length=64)  # page key of the last body seen
    consecutive_failures: int = Field(default=0)
    hold_hash: str | None = Field(default=None, max_length=64)
    hold_count: int = Field(default=0)
    gone_since: datetime | None = _when()
    gone_checks: int = Field(default=0)
    removed: bool = Field(default=False)
    public_only: bool = Field(default=False)
    respect_robots: bool = Field(default=False)
    retired_at: datetime | None = _when()
    created_at: datetime | None = _when(nullable=False)
    last_change_at: datetime | None = _when()
    last_checked_at: datetime | None = _when()
    fetcher: str | None = Field(default=None, max_length=20)
    needs_browser: bool = Field(default=False)


def stored_host(host: str) -> str:
    """A host as the `watch.host` column holds it (cut to its length)."""
    return host[:HOST_LENGTH]


def _host_of_row(context: Any) -> str:
    """The host column's default where rows are inserted without the ORM (bulk enrolment)."""
    return stored_host(host_of(context.get_current_parameters()["url"]))


@sa.event.listens_for(Watch, "init")
def _host_from_url(target: Watch, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A watch made with a URL knows its host (a URL never changes once stored)."""
    if kwargs.get("url") and "host" not in kwargs:
        kwargs["host"] = stored_host(host_of(kwargs["url"]))


def watch_state(watch: Watch) -> WatchStatus:
    """retired (inactive or past its last stage), failing (its last check failed), held (a
    suspect extraction waits to be confirmed) or ok."""
    if not watch.active or watch.retired_at is not None:
        return "retired"
    if watch.consecutive_failures:
        return "failing"
    return "held" if watch.hold_count else "ok"


class RawPage(SQLModel, table=True):
    """A fetched HTML body, zlib-compressed and stored once per content hash."""

    hash: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(sa.LargeBinary(), nullable=False))


class Snapshot(SQLModel, table=True):
    """One stored version of an article; written only when the extraction changed."""

    __table_args__ = (sa.UniqueConstraint("watch_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch.id", index=True)
    version: int
    fetched_at: datetime | None = _when(nullable=False)
    content_hash: str = Field(max_length=64)
    title: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    subtitle: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    authors: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON(), nullable=False))
    published_at: datetime | None = _when()
    modified_at: datetime | None = _when()
    canonical_url: str | None = Field(default=None, max_length=URL_LENGTH)
    language: str | None = Field(default=None, max_length=LANGUAGE_LENGTH)
    site_name: str | None = Field(default=None, max_length=SITE_NAME_LENGTH)
    image: str | None = Field(default=None, max_length=URL_LENGTH)
    image_caption: str | None = Field(default=None, sa_column=Column(sa.Text()))
    body: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON(), nullable=False))
    raw_hash: str | None = Field(default=None, foreign_key="rawpage.hash")
    extractor_version: str = Field(default="1", max_length=20)


class ArchiveEntry(SQLModel, table=True):
    """The WARC records one check kept in the web archive (a new version, a removal, a
    restoration): where they lie (`file` under [archive] dir, `offset`, `length`: the
    records are contiguous), what they are (`records`: type, WARC-Record-ID, offset, length
    and sha256 of each gzip member as stored), and the article's hash chain: `previous` is
    the digest of the entry before (seq - 1), `digest` this one's (see `archive.chain`).

    `check_id` is no foreign key: Check rows are pruned, entries are kept. `payload_digest`
    (the WARC-Payload-Digest of the response) finds the first response a later `revisit`
    record points at; `revisit` says this entry's answer is such a record.
    """

    __tablename__ = "archive_entry"
    __table_args__ = (
        sa.UniqueConstraint("watch_id", "seq"),
        sa.Index("ix_archive_entry_payload", "watch_id", "payload_digest"),
        *_vocabulary("archive_entry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch.id")
    seq: int
    kind: str = Field(max_length=20)
    version: int | None = None
    check_id: int | None = None
    content_hash: str = Field(default="", max_length=64)
    raw_hash: str | None = Field(default=None, max_length=64)  # sha256 of the decoded body
    uri: str = Field(sa_column=Column(sa.String(URL_LENGTH), nullable=False))
    captured_at: datetime | None = _when(nullable=False)
    warc_date: str = Field(max_length=40)  # the response's WARC-Date, as written
    response_id: str = Field(max_length=100)  # the response (or revisit) record's id
    payload_digest: str = Field(default="", max_length=100)
    revisit: bool = Field(default=False)
    file: str = Field(max_length=255)
    offset: int = Field(sa_column=Column(sa.BigInteger(), nullable=False))
    length: int = Field(sa_column=Column(sa.BigInteger(), nullable=False))
    records: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(sa.JSON(), nullable=False)
    )
    previous: str = Field(default="", max_length=80)
    digest: str = Field(max_length=80)


class Check(SQLModel, table=True):
    """One check of one watch. Kept small: unchanged checks must cost little."""

    __table_args__ = (
        sa.Index("ix_check_watch_started", "watch_id", "started_at"),
        sa.Index("ix_check_started", "started_at"),  # pruning by age
        *_vocabulary("check"),
    )

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch.id")
    started_at: datetime | None = _when(nullable=False)
    duration_ms: int = 0
    http_status: int | None = None
    outcome: str = Field(max_length=20)
    error: str | None = Field(default=None, max_length=1000)
    bytes: int = 0
    fetcher: str | None = Field(default=None, max_length=20)  # None: checked before 0013
    render_ms: int | None = None  # the browser's time, when it was used


class Change(SQLModel, table=True):
    """A detected change between two stored versions of one article.

    `kind` is `edit`, `revert` (back to the content of version `reverts_to`), `removed`
    (404/410 that persisted) or `restored` (back after a removal). `disclosure` is `notice`,
    `timestamp` or `silent` (a removal or a return is `silent`: no notice, no update time);
    None for changes recorded before newswatch told them apart.
    """

    __table_args__ = (
        # The edits of the last weeks counted from the index alone: /sites (migration 0016).
        sa.Index(
            "ix_change_window", "detected_at", "kind", "significance", "disclosure", "watch_id"
        ),
        *_vocabulary("change"),
    )

    id: int | None = Field(default=None, primary_key=True)
    watch_id: int = Field(foreign_key="watch.id", index=True)
    from_version: int
    to_version: int
    detected_at: datetime | None = _when(nullable=False, index=True)
    kind: str = Field(default="edit", max_length=20)
    reverts_to: int | None = None
    fields: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON(), nullable=False))
    significance: str = Field(max_length=20)
    stats: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON(), nullable=False))
    operations: list[Any] = Field(default_factory=list, sa_column=Column(sa.JSON(), nullable=False))
    summary: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    rendered_html: str | None = Field(default=None, sa_column=Column(sa.Text()))
    disclosure: str | None = Field(default=None, max_length=20)


class Delivery(SQLModel, table=True):
    """One alert for one channel (the outbox), written in the same transaction as its cause.

    `key` is the idempotency key sent as the webhook-id: the same on every retry. Rows of a
    digest channel share a `digest_key` once they are bundled. `data` holds the payload of
    events that have no Change row (a new article, an operator alert).
    """

    __table_args__ = (
        sa.Index("ix_delivery_due", "status", "next_attempt_at"),
        *_vocabulary("delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(sa.String(64), unique=True, nullable=False))
    channel: str = Field(max_length=100, index=True)
    event: str = Field(max_length=40)
    change_id: int | None = Field(default=None, foreign_key="change.id", index=True)
    watch_id: int | None = Field(default=None, foreign_key="watch.id")
    version: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(sa.JSON(), nullable=False))
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    created_at: datetime | None = _when(nullable=False)
    next_attempt_at: datetime | None = _when(nullable=False)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = _when()
    digest_key: str | None = Field(default=None, max_length=64, index=True)
    sent_at: datetime | None = _when()
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)


class ChannelState(SQLModel, table=True):
    """An alert channel newswatch stopped using (its endpoint answered 410 Gone)."""

    name: str = Field(primary_key=True, max_length=100)
    disabled_at: datetime | None = _when()
    reason: str | None = Field(default=None, max_length=1000)


class NoiseRule(SQLModel, table=True):
    """A page part kept out of every comparison on a site.

    `kind` `learned`: `key` is the first words of a paragraph (see `guard.noise_key`); once
    paragraphs with that key were the only change of `articles` different articles, it is
    `learned`. `prefix` and `selector` rules are the operator's (`noise add`, or `ignore` in
    the config: `from_config`), learned from the start; `key` is the prefix's words or the CSS
    selector. `scope` limits a rule to these watch or source URLs (empty: the whole host).
    `removed` and `refused` say what the rule did the last time it applied (`last_applied`):
    the parts it hid, and the article paragraphs it matched but did not hide.
    """

    __table_args__ = (sa.UniqueConstraint("host", "key"), *_vocabulary("noiserule"))

    id: int | None = Field(default=None, primary_key=True)
    host: str = Field(max_length=255, index=True)
    key: str = Field(max_length=200)
    sample: str = Field(default="", sa_column=Column(sa.Text(), nullable=False))
    watch_ids: list[int] = Field(default_factory=list, sa_column=Column(sa.JSON(), nullable=False))
    learned: bool = False
    first_seen: datetime | None = _when(nullable=False)
    last_seen: datetime | None = _when(nullable=False)
    kind: str = Field(default="learned", max_length=20)
    scope: list[str] = Field(default_factory=list, sa_column=Column(sa.JSON(), nullable=False))
    from_config: bool = False
    removed: int = 0
    refused: int = 0
    last_applied: datetime | None = _when()


class Site(SQLModel, table=True):
    """A host whose extraction degraded (most of its articles held at once, as after a
    redesign); the row lives from the operator alert until the host recovers."""

    host: str = Field(primary_key=True, max_length=255)
    degraded_since: datetime | None = _when(nullable=False)
    reason: str | None = Field(default=None, max_length=1000)


class Source(SQLModel, table=True):
    """A feed, sitemap or section page polled for new article URLs to watch."""

    __table_args__ = tuple(_vocabulary("source"))

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(sa.String(URL_LENGTH), unique=True, nullable=False))
    kind: str = Field(default="auto", max_length=20)
    pattern: str | None = Field(default=None, max_length=500)
    label: str | None = Field(default=None, max_length=200)
    active: bool = True
    from_config: bool = False
    allow_private: bool = False
    ignore_robots: bool = False
    every_seconds: int = 900
    stages: list[list[int]] | None = Field(default=None, sa_column=Column(sa.JSON()))
    next_poll_at: datetime | None = _when(index=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = _when()
    etag: str | None = Field(default=None, max_length=512)
    last_modified: str | None = Field(default=None, max_length=128)
    created_at: datetime | None = _when(nullable=False)
    last_polled_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=1000)
    consecutive_failures: int = 0
    enrolled: int = 0
    fetcher: str | None = Field(default=None, max_length=20)  # for the articles it enrols


class WorkerState(SQLModel, table=True):
    """A running `newswatch run` process and its heartbeat, for `newswatch workers`."""

    __tablename__ = "worker"

    id: str = Field(primary_key=True, max_length=200)
    started_at: datetime | None = _when(nullable=False)
    heartbeat_at: datetime | None = _when(nullable=False)
    stopped_at: datetime | None = _when()
    checks: int = 0
    changes: int = 0
    errors: int = 0


# Characters no database column takes: NUL (PostgreSQL text) and lone surrogates (UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_WIDTHS = {"canonical_url": URL_LENGTH, "image": URL_LENGTH, "language": LANGUAGE_LENGTH}
_WIDTHS |= {"site_name": SITE_NAME_LENGTH}


def fit_article(article: Article) -> tuple[Article, list[str]]:
    """The article with every value its Snapshot columns can hold, and the fields that had
    to give something up: characters no column takes are removed, a datetime without a zone
    or a value too wide for its column is dropped. Saving then cannot fail on one field."""
    changes: dict[str, Any] = {}
    for name in ("title", "subtitle", "site_name", "image_caption", "canonical_url", "image"):
        value = getattr(article, name)
        if isinstance(value, str) and _UNSTORABLE.search(value):
            changes[name] = _UNSTORABLE.sub("", value)
    for name in ("authors", "body"):
        values: tuple[str, ...] = getattr(article, name)
        if any(_UNSTORABLE.search(value) for value in values):
            changes[name] = tuple(_UNSTORABLE.sub("", value) for value in values)
    if any(_UNSTORABLE.search(f"{link.text}{link.url}") for link in article.related):
        changes["related"] = tuple(
            replace(link, text=_UNSTORABLE.sub("", link.text), url=_UNSTORABLE.sub("", link.url))
            for link in article.related
        )
    for name, width in _WIDTHS.items():
        value = changes.get(name, getattr(article, name))
        if value is not None and len(value) > width:
            changes[name] = None
    for name in ("published", "modified"):
        value = getattr(article, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            changes[name] = None
    return (replace(article, **changes), sorted(changes)) if changes else (article, [])


# -- the Article <-> Snapshot mapping ------------------------------------------------------

PARAGRAPH_BREAK = "\n\n"
# Article fields stored as a Snapshot column of their own, as-is (Article field -> column).
_SNAPSHOT_COLUMNS = {
    "title": "title",
    "subtitle": "subtitle",
    "published": "published_at",
    "modified": "modified_at",
    "canonical_url": "canonical_url",
    "language": "language",
    "site_name": "site_name",
    "image": "image",
    "image_caption": "image_caption",
}


def snapshot_article(snapshot: Snapshot) -> Article:
    """Rebuild the extracted Article from a stored Snapshot."""
    related = tuple(Link(**link) for link in snapshot.extra.get("related", []))
    return Article(
        url=snapshot.extra.get("url", ""),
        authors=tuple(snapshot.authors),
        body=tuple(snapshot.body.split(PARAGRAPH_BREAK)) if snapshot.body else (),
        related=related,
        dates=tuple((name, DateNote(**note)) for name, note in _dates_of(snapshot).items()),
        **{field: getattr(snapshot, column) for field, column in _SNAPSHOT_COLUMNS.items()},
    )


def snapshot_row(watch: Watch, version: int, record: CheckRecord, article: Article) -> Snapshot:
    """The Snapshot row that stores `article` as `version` of `watch`."""
    return Snapshot(
        watch_id=watch.id,
        version=version,
        fetched_at=record.started_at,
        content_hash=record.content_hash or "",
        authors=list(article.authors),
        body=PARAGRAPH_BREAK.join(article.body),
        extra={
            "url": article.url,
            "related": [asdict(link) for link in article.related],
            "dates": {name: asdict(note) for name, note in article.dates},
        },
        raw_hash=record.raw_hash if record.raw is not None else None,
        extractor_version=record.extractor_version,
        **{column: getattr(article, field) for field, column in _SNAPSHOT_COLUMNS.items()},
    )


def _dates_of(snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """How the page stated each date (stored since extractor 3; absent before)."""
    dates = snapshot.extra.get("dates")
    return dates if isinstance(dates, dict) else {}
