"""What one check concludes: pure functions from what it fetched, extracted and read.

No I/O here. The pipeline fetches, reads the store once (a `CheckContext`), runs the
extractor and the differ, and passes their results to these functions; the CheckRecord they
build is what `store.save_check` writes, in one transaction. Why a check is held is data on
the record (`reverts_to`, the hold counters), never parsed back from its message.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime

from worker import diff, extract, guard
from worker.models import Watch
from worker.settings import GuardSettings
from worker.types import (
    FETCHER_CHOICES,
    Article,
    Change,
    CheckContext,
    CheckRecord,
    Disclosure,
    FetcherChoice,
    FetchResult,
    Outcome,
    SiteEvent,
    WatchState,
)

# "Updated" in the languages of the news: a short line holding one of these and moving
# between two versions is the page saying it was updated (lower case, prefixes).
UPDATE_WORDS = (
    "updat", "aktualisiert", "actualiza", "mis à jour", "mise à jour", "atualiza", "aggiorna",
    "bijgewerkt", "zaktualizowan", "aktualizov", "güncellen", "opdater", "uppdater",
    "päivitetty", "обновлен", "оновлен", "ενημερώθηκε", "עודכן", "تحديث", "محدث", "अपडेट",
    "更新", "업데이트", "cập nhật", "diperbarui",
)  # fmt: skip
# "ago" likewise: a line that counts back from now ("Updated 5 minutes ago") moves with the
# clock, so its numbers are not compared.
AGO_WORDS = (" ago", "vor ", "il y a", "hace ", "назад", "前", " fa", "geleden", " temu", "önce",
             " sedan", " siden", "atrás", "há ")  # fmt: skip
UPDATE_LINE_CHARS = 160  # longer paragraphs are text, not an "Updated" line
SITE_HELD_SHARE = 0.8
_DIGITS = re.compile(
    r"\d++"
)  # of a host's recently checked articles held at once: its extraction broke


def begun(
    watch: Watch, started: datetime, fetched: FetchResult, next_check: datetime
) -> CheckRecord:
    """The record of a fetch that answered: not modified until the body says otherwise. A
    hold is forgotten (the page answered anew) and a removal ends (`restored`)."""
    state, restored = guard.back(guard.release_hold(state_of(watch)))
    record = CheckRecord(
        watch_id=watch_id(watch),
        started_at=started,
        outcome="not_modified",
        http_status=fetched.status,
        next_check_at=next_check,
        extractor_version=extract.EXTRACTOR_VERSION,
        state=state,
        event="restored" if restored else None,
    )
    return record if fetched.not_modified else _with_body(record, fetched)


def fetcher_for(watch: Watch, browser: str) -> FetcherChoice:
    """How a watch's page is fetched: as the watch (or its source) asks, else as
    `[fetch] browser` says (`auto`, or plain when "off"). An `auto` page is fetched plainly
    and rendered only when that HTML is a script shell, so a page that stops being one goes
    back to plain reads by itself; a watch that asks for `plain` never uses the browser."""
    asked = watch.fetcher or ("auto" if browser == "auto" else "plain")
    return next((known for known in FETCHER_CHOICES if known == asked), "plain")


def failed(
    watch: Watch,
    started: datetime,
    error: str,
    status: int | None,
    next_check: datetime,
    settings: GuardSettings,
) -> CheckRecord:
    """The record of a check that failed; a 404/410 that persisted becomes a removal."""
    state, removal = state_of(watch), False
    if status in guard.GONE_STATUSES:
        state, removal = guard.gone(state, started, settings)
    return CheckRecord(
        watch_id=watch_id(watch),
        started_at=started,
        outcome="error",
        http_status=status,
        error=error,
        failed=True,
        next_check_at=next_check,
        state=state,
        event="removed" if removal else None,
    )


def same_page(watch: Watch, record: CheckRecord) -> bool:
    """True when the extractor would read what it read last time (the same bytes, or the same
    but for scripts). A watch keeps the key of a page only once a version of it is stored
    (held and failed checks leave it), so there is nothing to parse or load."""
    return record.page_key is not None and record.page_key == watch.raw_hash


def unchanged(record: CheckRecord, canonical_url: str | None = None) -> CheckRecord:
    """Nothing new to store: the body is not kept again."""
    return replace(record, outcome="unchanged", raw=None, canonical_url=canonical_url)


def settled(
    watch: Watch,
    record: CheckRecord,
    context: CheckContext,
    article: Article,
    content_hash: str,
    settings: GuardSettings,
) -> CheckRecord | None:
    """The record when no diff is needed (the same content, a held or a first version);
    None when the article must be compared with the latest version."""
    latest, canonical = context.latest, article.canonical_url
    if latest is not None and content_hash == latest.content_hash:
        return unchanged(record, canonical)
    reverts_to = context.versions.get(content_hash) if latest is not None else None
    held = _held(watch, record, context, article, content_hash, reverts_to, settings)
    if held is not None or latest is not None:
        return held
    return _version(record, "new", article, content_hash, None)


def compared(
    record: CheckRecord,
    context: CheckContext,
    previous: Article,
    article: Article,
    content_hash: str,
    change: Change | None,
    rendered: str,
) -> CheckRecord:
    """The record once the differ compared the latest version (`previous`, noise removed)
    with this one: unchanged when it found no change, else a new version and its change."""
    if change is None:
        return unchanged(record, article.canonical_url)
    change = replace(change, disclosure=disclosure(previous, article, change))
    return replace(
        _version(record, "changed", article, content_hash, change),
        reverts_to=context.versions.get(content_hash),
        noise=_noise(previous, article, change),
        rendered_html=rendered,  # once, for the web pages and feeds
    )


def disclosure(previous: Article, article: Article, change: Change) -> Disclosure:
    """How the page disclosed this change: `notice` when a correction, update or editor's
    note was added or changed; else `timestamp` when its modified date or an "Updated" line
    moved; else `silent`."""
    if change.events or _notices_changed(previous, article):
        return "notice"
    if "modified" in change.fields or previous.modified != article.modified:
        return "timestamp"
    if _update_lines(previous) != _update_lines(article):
        return "timestamp"
    return "silent"


def _notices_changed(previous: Article, article: Article) -> bool:
    """A notice in this version that the previous one did not carry word for word (a new
    notice, or one reworded)."""
    before = set(diff.correction_notices(previous))
    return any(notice not in before for notice in diff.correction_notices(article))


def _update_lines(article: Article) -> frozenset[str]:
    """The short lines of an article (subtitle, body) that say when it was updated."""
    lines = (line.casefold() for line in (article.subtitle, *article.body))
    return frozenset(
        _as_compared(line)
        for line in lines
        if line and len(line) <= UPDATE_LINE_CHARS and any(w in line for w in UPDATE_WORDS)
    )


def _as_compared(line: str) -> str:
    """The line as two versions compare it: numbers masked in a relative time."""
    line = " ".join(line.split())
    if any(word in line for word in AGO_WORDS):
        return _DIGITS.sub("#", line)
    return line


def _held(
    watch: Watch,
    record: CheckRecord,
    context: CheckContext,
    article: Article,
    content_hash: str,
    reverts_to: int | None,
    settings: GuardSettings,
) -> CheckRecord | None:
    """A held record when the extraction is suspect and has not persisted; else None."""
    latest = context.latest
    why = guard.suspicion(article, latest.article if latest else None, settings)
    reverting = why is None and reverts_to is not None
    if reverting:
        why = f"returns to the content of version {reverts_to}"
    if why is None:
        return None
    state, confirmed = guard.hold(state_of(watch), content_hash, settings)
    if confirmed and article.body:
        return None
    seen = f"seen {state.hold_count} of {settings.confirm_checks}" if article.body else "never kept"
    # Raw hash and validators stay as they were, so the next fetch is parsed afresh.
    return replace(
        record,
        outcome="held",
        error=f"{why} ({seen})",
        reverts_to=reverts_to if reverting else None,  # why it is held, as data
        raw=None,
        raw_hash=None,
        state=replace(
            record.state or state, hold_hash=state.hold_hash, hold_count=state.hold_count
        ),
        next_check_at=record.started_at + settings.held_retry,
    )


def site_event(
    watch: Watch,
    record: CheckRecord,
    context: CheckContext | None,
    held_share: tuple[int, int] | None,
    settings: GuardSettings,
) -> SiteEvent | None:
    """`degraded` when most of a host's recently checked articles are held at once (this one
    too), `recovered` when one of them extracts well again after that; else None.
    `held_share` is (held, checked) among the host's other articles, read only for a check
    held for its content on a host not yet marked (see `wants_held_share`)."""
    degraded = context is not None and context.site_degraded
    if degraded and extracted_fine(watch, record):
        return "recovered"
    if not wants_held_share(record, context) or held_share is None:
        return None
    held, checked = held_share
    if held + 1 >= settings.degraded_articles and held + 1 >= SITE_HELD_SHARE * (checked + 1):
        return "degraded"
    return None


def wants_held_share(record: CheckRecord, context: CheckContext | None) -> bool:
    """Whether `site_event` needs the host's held share: a check held for its content (not
    for returning to an old version) on a host not marked degraded yet."""
    held = record.outcome == "held" and record.reverts_to is None
    return held and context is not None and not context.site_degraded


def extracted_fine(watch: Watch, record: CheckRecord) -> bool:
    """A check that read a new page and found an article in it."""
    fresh = record.page_key is not None and record.page_key != watch.raw_hash
    return record.outcome in {"new", "changed", "unchanged"} and fresh


def state_of(watch: Watch) -> WatchState:
    """The guard counters of a watch, as a value."""
    return WatchState(
        hold_hash=watch.hold_hash,
        hold_count=watch.hold_count,
        gone_since=watch.gone_since,
        gone_checks=watch.gone_checks,
        removed=watch.removed,
    )


def watch_id(watch: Watch) -> int:
    """The id of a stored watch (claimed watches always are)."""
    assert watch.id is not None
    return watch.id


def _with_body(record: CheckRecord, fetched: FetchResult) -> CheckRecord:
    return replace(
        record,
        bytes=len(fetched.raw),
        raw=fetched.raw,
        raw_hash=hashlib.sha256(fetched.raw).hexdigest(),
        page_key=extract.page_key(fetched.html),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )


def _version(
    record: CheckRecord,
    outcome: Outcome,
    article: Article,
    content_hash: str,
    change: Change | None,
) -> CheckRecord:
    return replace(
        record,
        outcome=outcome,
        article=article,
        content_hash=content_hash,
        change=change,
        canonical_url=article.canonical_url,
    )


def _noise(previous: Article, article: Article, change: Change) -> tuple[str, str] | None:
    """The (key, sample) of a rotating block this change shows, read on the bodies as the
    differ compared them (lines that are only noise, such as "Updated 5 minutes ago", gone)."""
    memo: dict[str, str] = {}
    before = replace(previous, body=_comparable(previous.body, memo))
    after = replace(article, body=_comparable(article.body, memo))
    key = guard.noise_candidate(before, after, change.fields)
    if key is None:
        return None
    sample = next((p for p in article.body if guard.noise_key(p) == key), "")
    return key, sample


def _comparable(body: tuple[str, ...], memo: dict[str, str]) -> tuple[str, ...]:
    texts = []
    for paragraph in body:
        text = memo.get(paragraph)
        if text is None:
            text = memo[paragraph] = diff.strip_noise(diff.normalise_text(paragraph))
        texts.append(text)
    return tuple(text for text in texts if text)
