"""Frozen values passed between the stages. Data only: no behaviour, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

# The domain's words, defined here once and imported wherever they are used.
Significance = Literal["trivial", "minor", "substantive", "major"]
SIGNIFICANCE: tuple[Significance, ...] = get_args(Significance)  # least to most significant
Outcome = Literal["new", "changed", "unchanged", "not_modified", "held", "error"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)  # of one check
QUIET_OUTCOMES: tuple[Outcome, ...] = ("unchanged", "not_modified")  # nothing new was stored
# The fields of an article a change can touch, in the order diffs show them.
ChangeField = Literal[
    "title", "subtitle", "authors", "published", "modified", "canonical_url", "image",
    "language", "body",
]  # fmt: skip
CHANGE_FIELDS: tuple[ChangeField, ...] = get_args(ChangeField)
DeliveryStatus = Literal["pending", "sent", "failed"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = get_args(DeliveryStatus)  # of an alert delivery
ArticleEvent = Literal["removed", "restored"]  # what happened to the page itself
SiteEvent = Literal["degraded", "recovered"]  # what happened to a host's extraction
# What an alert is about: the event names channels subscribe to and deliveries carry.
EventKind = Literal[
    "article.new", "article.changed", "article.removed", "article.restored",
    "watch.failing", "watch.recovered", "site.degraded", "site.recovered", "digest",
]  # fmt: skip
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)
# The groups of events a channel subscribes to (`[[alert]] events`); see notify.rules.
AlertGroup = Literal["changed", "new", "removed", "restored", "operator"]
ALERT_GROUPS: tuple[AlertGroup, ...] = get_args(AlertGroup)
# How a change was disclosed on the page: a correction, update or editor's note added or
# changed (`notice`); only the page's modified date or "Updated" line moved (`timestamp`);
# neither (`silent`: a stealth edit).
Disclosure = Literal["notice", "timestamp", "silent"]
DISCLOSURES: tuple[Disclosure, ...] = get_args(Disclosure)
DISCLOSURE_LABELS: dict[Disclosure, str] = {
    "notice": "disclosed by a notice",
    "timestamp": "update time moved, no notice",
    "silent": "silent edit: no notice, no new update time",
}
# How a watch is doing, as `watch list` and the API show it: checked normally, a suspect
# extraction waiting to be confirmed, its last check failed, or no longer checked.
WatchStatus = Literal["ok", "held", "failing", "retired"]
WATCH_STATUSES: tuple[WatchStatus, ...] = get_args(WatchStatus)
# What a noise rule matches: paragraphs learned to rotate (`learned`, by their first words),
# paragraphs that start with words the operator named (`prefix`), or page elements the
# operator named by a CSS selector (`selector`).
NoiseKind = Literal["learned", "prefix", "selector"]
NOISE_KINDS: tuple[NoiseKind, ...] = get_args(NoiseKind)
# What a source lists: a feed, a sitemap, a section page, or sniffed from its first answer.
SourceKind = Literal["auto", "feed", "sitemap", "section"]
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
# What a Change row records: an edit of the content, a return to an earlier content, or an
# event of the page.
ChangeKind = Literal["edit", "revert", "removed", "restored"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
# How a page is fetched: over plain HTTP, or rendered in Chromium (the `browser` extra).
FetcherName = Literal["plain", "browser"]
FETCHERS: tuple[FetcherName, ...] = get_args(FetcherName)
# What a watch or source asks for (`fetcher`): one of those, or `auto`: plainly, and in the
# browser once the page's static HTML turns out a script shell (then remembered).
FetcherChoice = Literal["plain", "browser", "auto"]
FETCHER_CHOICES: tuple[FetcherChoice, ...] = get_args(FetcherChoice)
# What one entry of the web archive keeps: a new version, or an event of the page.
ArchiveKind = Literal["version", "removed", "restored"]
ARCHIVE_KINDS: tuple[ArchiveKind, ...] = get_args(ArchiveKind)
Headers = tuple[tuple[str, str], ...]  # HTTP header fields in order, names as sent


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP fetch returned.

    `not_modified` is True for a 304: `html` is then empty and nothing is parsed.
    `raw` is the (decompressed) body as received, capped at the configured size.

    What the web archive keeps of the exchange: the request headers sent and the response's
    HTTP version, reason and headers as received, when the response arrived (`fetched_at`),
    and `wire`, the body as it came over the connection when a Content-Encoding (gzip,
    deflate) was undone to make `raw`; None when `raw` is that body already, or when the
    transport handed over a body it had decoded itself. `redirects`: the redirect answers that
    led here, in order, each as a result of its own (status, headers; their bodies unread).
    """

    url: str
    final_url: str
    status: int
    html: str = ""
    raw: bytes = b""
    content_type: str = ""
    encoding: str = ""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    elapsed: float = 0.0
    request_headers: Headers = ()
    http_version: str = ""
    reason: str = ""
    response_headers: Headers = ()
    fetched_at: datetime | None = None
    wire: bytes | None = None
    redirects: tuple[FetchResult, ...] = ()


@dataclass(frozen=True)
class RecordRef:
    """A response record kept earlier, as a `revisit` record points at it."""

    record_id: str
    uri: str
    date: str  # its WARC-Date


@dataclass(frozen=True)
class ArchivePlace:
    """Where a check's records go in its article's hash chain, as the store reads it in the
    transaction that saves the check: the Check row's id, the version stored or concerned
    (an event's is the latest), its content hash, the entry's number in the chain (`seq`,
    from 1), the digest of the entry before ("" for the first) and the earlier response
    with the same payload, if any."""

    check_id: int
    kind: ArchiveKind
    version: int | None
    content_hash: str
    seq: int
    previous: str
    revisit: RecordRef | None = None


@dataclass(frozen=True)
class Link:
    """A link kept apart from the body, such as a 'Related article' teaser."""

    text: str
    url: str


@dataclass(frozen=True)
class DateNote:
    """How a page stated one of its dates.

    `precision` is "day" (a date alone, kept as midnight UTC) or "time". `zone` says where the
    UTC offset of a time came from: "stated" (the value carried it), "page" (another date or the
    visible dateline of the same page) or "assumed" (nowhere: UTC); empty for a day.
    """

    precision: str = "time"
    zone: str = "stated"


@dataclass(frozen=True)
class RuleEffect:
    """What one noise rule the operator made did to one page: the parts it hid, and the
    article paragraphs it matched but was not allowed to hide (a rule hides furniture only)."""

    kind: NoiseKind
    key: str
    removed: int = 0
    refused: int = 0


@dataclass(frozen=True)
class Article:
    """One extraction of an article page.

    `body` holds the paragraphs in reading order. An empty body comes with a `reason`.
    """

    url: str
    title: str = ""
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    canonical_url: str | None = None
    language: str | None = None
    site_name: str | None = None
    image: str | None = None
    image_caption: str | None = None
    body: tuple[str, ...] = ()
    related: tuple[Link, ...] = ()
    reason: str | None = None
    dates: tuple[tuple[str, DateNote], ...] = ()  # ("published" | "modified", how it was stated)
    ignored: tuple[RuleEffect, ...] = ()  # what the operator's selectors hid (not stored)


@dataclass(frozen=True)
class ParagraphOp:
    """One edit operation on the body: kind is 'added', 'removed', 'edited' or 'moved'.

    `unit` is 'paragraph' (a whole paragraph added, removed or moved) or 'sentence' (one
    sentence of the edited paragraph `old_index` -> `new_index`, at `old_sentence` /
    `new_sentence` within it). Indices count the comparable body (see `diff.comparable`).
    `words` is the word diff of an edited sentence: ('equal' | 'delete' | 'insert', text) runs.
    """

    kind: str
    old_index: int | None = None
    new_index: int | None = None
    old: str = ""
    new: str = ""
    unit: str = "paragraph"
    old_sentence: int | None = None
    new_sentence: int | None = None
    words: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldChange:
    """A metadata field whose normalised value differs between two versions."""

    name: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    """What differs between two extractions of one article.

    `fields` uses the public names: title, subtitle, authors, published, modified, body,
    canonical_url, image, language. `added`, `removed`, `edited` and `moved` count sentences
    (a paragraph added whole counts its sentences); `paragraphs_*` count paragraphs, an edited
    paragraph being one with sentence operations. `events` holds the kinds of the correction
    notices new in this version ('correction', 'clarification', 'editor_note', 'update') and
    `notices` their text. `disclosure` says how the page disclosed the change (see Disclosure);
    the pipeline sets it, the differ leaves it None.
    """

    fields: tuple[str, ...]
    field_changes: tuple[FieldChange, ...] = ()
    operations: tuple[ParagraphOp, ...] = ()
    added: int = 0
    removed: int = 0
    edited: int = 0
    moved: int = 0
    significance: str = "minor"
    summary: str = ""
    reasons: tuple[str, ...] = field(default_factory=tuple)
    events: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_edited: int = 0
    paragraphs_moved: int = 0
    disclosure: Disclosure | None = None


@dataclass(frozen=True)
class StoredVersion:
    """The latest stored version of an article, as the pipeline compares against it."""

    version: int
    content_hash: str
    article: Article
    extractor_version: str = ""  # of the extractor that read it
    raw_hash: str | None = None  # its stored HTML, if kept


@dataclass(frozen=True)
class CheckContext:
    """What a check reads from the store, in one read, once its page differs from the last.

    `latest` is the newest stored version (None before the first), `latest_raw` its stored
    HTML when an older extractor read it (so it can be read again), `versions` the newest
    version number of each stored content hash, `noise` the paragraph keys learned as noise on
    the host, `prefixes` and `selectors` the operator's rules for this watch (see NoiseKind),
    `site_degraded` whether an operator alert said the host's extraction degraded.
    """

    latest: StoredVersion | None = None
    latest_raw: bytes | None = None
    versions: Mapping[str, int] = field(default_factory=dict)
    noise: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()
    site_degraded: bool = False


@dataclass(frozen=True)
class WatchState:
    """The guard counters of a watch, as one check leaves them.

    A suspect extraction (`hold_hash`) is recorded only once it was seen `confirm_checks`
    times in a row; a 404/410 streak (`gone_since`, `gone_checks`) becomes a removal only
    when it persists.
    """

    hold_hash: str | None = None
    hold_count: int = 0
    gone_since: datetime | None = None
    gone_checks: int = 0
    removed: bool = False


@dataclass(frozen=True)
class AlertRequest:
    """An alert one check asks for: written to the outbox with the check's other rows.

    `event` names the cause (`article.changed`, `article.new`, `article.removed`,
    `article.restored`, or an operator event); `data` is the payload of events that have no
    Change row.
    """

    channel: str
    event: EventKind
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckRecord:
    """Everything one check wants written, saved by `store.save_check` in one transaction.

    `article` is set only when a new version must be stored; `change` only when it differs
    from the previous version. `etag`, `last_modified` and `raw_hash` replace the watch's
    values only when the fetch returned a body. `reverts_to` marks a new version whose content
    is that of an earlier one (on a held check: held because it returns to that version);
    `event` is `removed` or `restored`; `state` replaces the watch's
    guard counters when set. `noise` is a (key, sample) candidate for the site's learned noise;
    `site_event` is `degraded` or `recovered` for the watch's host; `retire` ends the watch
    (older than the last schedule stage).
    """

    watch_id: int
    started_at: datetime
    outcome: Outcome
    next_check_at: datetime
    duration_ms: int = 0
    http_status: int | None = None
    error: str | None = None
    bytes: int = 0
    failed: bool = False
    etag: str | None = None
    last_modified: str | None = None
    raw_hash: str | None = None
    # What the extractor reads of the body (extract.page_key): the same key next time means
    # the same extraction, so the next check skips it (a nonce in a script changes no key).
    page_key: str | None = None
    raw: bytes | None = None
    canonical_url: str | None = None
    article: Article | None = None
    content_hash: str | None = None
    extractor_version: str = ""
    change: Change | None = None
    reverts_to: int | None = None
    event: ArticleEvent | None = None
    state: WatchState | None = None
    alerts: tuple[AlertRequest, ...] = ()
    noise: tuple[str, str] | None = None
    site_event: SiteEvent | None = None
    retire: bool = False
    rendered_html: str | None = None
    rule_effects: tuple[RuleEffect, ...] = ()  # of the operator's noise rules on this page
    # Which fetcher read the page, and how long the browser took (None: it was not used);
    # `needs_browser`: whether an `auto` check found the page a script shell (None: as it was).
    fetcher: FetcherName = "plain"
    render_ms: int | None = None
    needs_browser: bool | None = None


@dataclass(frozen=True)
class Message:
    """One alert as a channel sends it.

    `id` is the idempotency key (the webhook-id): the same on every retry of one delivery.
    `event` is `article.changed`, `article.new`, `article.removed`, `article.restored`,
    `watch.failing`, `watch.recovered`, `site.degraded`, `site.recovered` or `digest`.
    `data` is the JSON payload (for a digest: {"items": [data, ...]}); `title` and `text` are
    the human-readable form for chat and email.
    """

    id: str
    event: EventKind
    timestamp: datetime
    data: dict[str, object]
    title: str
    text: str
    link: str | None = None


@dataclass(frozen=True)
class SendResult:
    """What one delivery attempt did.

    `retry_after` is the wait the receiver asked for (429/503 Retry-After), in seconds;
    `gone` means the endpoint said 410 Gone: the channel must be disabled.
    """

    ok: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    gone: bool = False


@dataclass(frozen=True)
class Discovered:
    """An article URL a source listed, with the time the source says it was last updated."""

    url: str
    updated: datetime | None = None


@dataclass(frozen=True)
class PollRecord:
    """What one poll of a source wants written: the URLs to enrol and the source's schedule."""

    source_id: int
    started_at: datetime
    next_poll_at: datetime
    items: tuple[Discovered, ...] = ()
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
