"""Guards against false changes.

An extraction that looks wrong (no body, a consent or paywall page, a body that collapsed or
fell below a sane size, a return to an earlier version) is *held*: it becomes a version only
when the same content is seen `confirm_checks` times in a row. Edge caches out of step make an
article flap between two versions; a flap never persists, so it is never recorded. A 404/410
becomes a removal only when it persists over several checks spanning hours.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from worker.settings import GuardSettings
from worker.types import Article, RuleEffect, WatchState
from worker.words import count as count_words

GONE_STATUSES = frozenset({404, 410})

# Site furniture that leaks into a body ("Most read: ...", "Sponsored: ...") is short and
# keeps its first words while the rest rotates; real paragraphs are longer.
NOISE_KEY_WORDS = 2
NOISE_MAX_WORDS = 40
ROTATION_FIELDS = frozenset({"body", "modified"})  # what a rotating block may change at once
ROTATION_OVERLAP = 0.5  # shared words after the key at which a change is an edit, not a rotation
PREFIX_WORDS = 12  # words of a prefix rule compared, at most
_HEAD_CHARS = 400  # of a paragraph read for them (bounded on a hostile page)
_WORD = re.compile(r"\w+")


def suspicion(article: Article, previous: Article | None, settings: GuardSettings) -> str | None:
    """Why this extraction should not be trusted yet, or None when it looks like an article."""
    if not article.body:
        return f"no article body: {article.reason or 'nothing found'}"
    if article.reason:
        return f"looks like a {article.reason}"
    words = word_count(article)
    if words < settings.min_words:
        return f"body of {words} words is below the minimum of {settings.min_words}"
    before = word_count(previous) if previous else 0
    if before and words < before * settings.collapse_ratio:
        return f"body shrank from {before} to {words} words"
    return None


def word_count(article: Article) -> int:
    """Words in the body (each Chinese or Japanese character one, see worker.words)."""
    return sum(count_words(paragraph) for paragraph in article.body)


def hold(state: WatchState, content_hash: str, settings: GuardSettings) -> tuple[WatchState, bool]:
    """Count one more sighting of a suspect version; True once it has persisted long enough."""
    seen = state.hold_count + 1 if state.hold_hash == content_hash else 1
    if seen >= settings.confirm_checks:
        return release_hold(state), True
    return replace(state, hold_hash=content_hash, hold_count=seen), False


def release_hold(state: WatchState) -> WatchState:
    """Forget any suspect version."""
    return replace(state, hold_hash=None, hold_count=0)


def gone(state: WatchState, now: datetime, settings: GuardSettings) -> tuple[WatchState, bool]:
    """Count one more 404/410; True when this check turns the streak into a removal."""
    since = state.gone_since or now
    checks = state.gone_checks + 1
    removal = (
        not state.removed
        and checks >= settings.removal_checks
        and now - since >= settings.removal_after
    )
    updated = replace(state, gone_since=since, gone_checks=checks, removed=state.removed or removal)
    return updated, removal


def back(state: WatchState) -> tuple[WatchState, bool]:
    """The page answered again; True when it had been recorded as removed."""
    return replace(state, gone_since=None, gone_checks=0, removed=False), state.removed


def noise_key(paragraph: str) -> str | None:
    """The first words of a short paragraph, lower-cased: what a rotating block keeps."""
    words = _WORD.findall(paragraph.lower())
    if not words or len(words) > NOISE_MAX_WORDS:
        return None
    return " ".join(words[:NOISE_KEY_WORDS])


def noise_candidate(previous: Article, new: Article, fields: Collection[str]) -> str | None:
    """The key of the one kind of paragraph that rotated, if that is all that changed.

    A rotation is a short paragraph that is in both versions under the same first words,
    with the rest replaced ("Most read: <another headline>"). A paragraph that was added or
    removed, or edited in a few words, is a change of the article, never a candidate. The
    bodies are compared as the differ reads them (noise such as "Updated 5 minutes ago" lines
    already gone), and a modified date that moved with the rotation does not count.
    """
    if "body" not in fields or not set(fields) <= ROTATION_FIELDS:
        return None
    old_set, new_set = set(previous.body), set(new.body)
    gone = [paragraph for paragraph in previous.body if paragraph not in new_set]
    came = [paragraph for paragraph in new.body if paragraph not in old_set]
    if not gone or len(gone) != len(came):
        return None
    keys = {noise_key(paragraph) for paragraph in gone + came}
    if len(keys) != 1 or None in keys:
        return None
    if any(_mostly_same(before, after) for before, after in zip(gone, came, strict=True)):
        return None
    return keys.pop()


def _mostly_same(before: str, after: str) -> bool:
    """True if two paragraphs share most of their words after the key: an edit."""
    old = set(_WORD.findall(before.lower())[NOISE_KEY_WORDS:])
    new = set(_WORD.findall(after.lower())[NOISE_KEY_WORDS:])
    if not old or not new:
        return False
    return len(old & new) / len(old | new) >= ROTATION_OVERLAP


def without_noise(article: Article, keys: Collection[str]) -> Article:
    """The article without the paragraphs learned to be site noise."""
    if not keys:
        return article
    body = tuple(p for p in article.body if noise_key(p) not in keys)
    return article if len(body) == len(article.body) else replace(article, body=body)


def prefix_key(text: str) -> str:
    """The key of a prefix rule: the first words of `text`, lower-cased (at most
    PREFIX_WORDS), as `without_prefixes` compares paragraphs with it; '' without a word."""
    return " ".join(_WORD.findall(text.lower())[:PREFIX_WORDS])


def without_prefixes(
    article: Article, prefixes: Sequence[str]
) -> tuple[Article, tuple[RuleEffect, ...]]:
    """The article without the furniture the operator's prefix rules name: short paragraphs
    (at most NOISE_MAX_WORDS words) that start with a rule's words. A longer paragraph that
    starts so is article text: it stays, and the rule's effect counts it as refused."""
    if not prefixes:
        return article, ()
    removed = dict.fromkeys(prefixes, 0)
    refused = dict.fromkeys(prefixes, 0)
    body = []
    for paragraph in article.body:
        rule = _prefix_of(paragraph, prefixes)
        if rule is None:
            body.append(paragraph)
        elif len(_WORD.findall(paragraph)) <= NOISE_MAX_WORDS:
            removed[rule] += 1
        else:
            refused[rule] += 1
            body.append(paragraph)
    effects = tuple(RuleEffect("prefix", key, removed[key], refused[key]) for key in prefixes)
    kept = article if len(body) == len(article.body) else replace(article, body=tuple(body))
    return kept, effects


def _prefix_of(paragraph: str, prefixes: Sequence[str]) -> str | None:
    words = " ".join(_WORD.findall(paragraph[:_HEAD_CHARS].lower())[:PREFIX_WORDS])
    return next((key for key in prefixes if f"{words} ".startswith(f"{key} ")), None)
