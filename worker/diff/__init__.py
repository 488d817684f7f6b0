"""Compare two extractions of one article: normalise, align sentences, grade, render.

Pure functions, no I/O. Both versions are compared after normalisation (typography folded,
relative timestamps, datelines and counters removed), so versions that differ only in that
noise are equal and share a `content_hash`. The body is aligned paragraph by paragraph, then
sentence by sentence inside each edited paragraph (`ParagraphOp.unit`), and `apply` replays
the operations on the old body. A comparison spends at most its budget of difflib's steps
(`_budget`): a hostile page is compared coarsely, never for minutes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from worker.diff._align import align_body, apply, mirror
from worker.diff._budget import Budget, ratio
from worker.diff._evidence import Originals, with_originals
from worker.diff._grade import grade, sentences_of
from worker.diff._lexicon import Lexicon
from worker.diff._normalise import (
    body_originals,
    comparable,
    content_hash,
    correction_notices,
    display_text,
    normalise_text,
    notice_kind,
    strip_noise,
)
from worker.diff._render import render_html, render_json, render_text
from worker.diff._sentences import join_sentences, split_sentences
from worker.diff._tokens import Versions
from worker.types import CHANGE_FIELDS, SIGNIFICANCE, Article, Change, FieldChange, ParagraphOp
from worker.words import count

__all__ = [
    "FIELDS",
    "SIGNIFICANCE",
    "apply",
    "comparable",
    "compare",
    "compare_rendered",
    "content_hash",
    "correction_notices",
    "join_sentences",
    "mirror",
    "normalise_text",
    "notice_kind",
    "render_html",
    "render_json",
    "render_text",
    "split_sentences",
    "strip_noise",
]

FIELDS = CHANGE_FIELDS  # the order diffs show the fields in
_KINDS = ("added", "removed", "edited", "moved")


NOTICE_REWORDED = 0.6  # similarity from which a new notice is an old one reworded
NOTICE_CANDIDATES = 50  # old notices of its kind a new one may reword (bounded for a hostile page)


def compare_rendered(previous: Article, new: Article) -> tuple[Change | None, str]:
    """`compare`, with the change rendered as HTML (empty without one): one call, so that a
    check can run both in its reader process."""
    change = compare(previous, new)
    return change, render_html(change) if change is not None else ""


def compare(previous: Article | None, new: Article) -> Change | None:
    """What changed from `previous` to `new`; None for a first capture or no real change."""
    if previous is None:
        return None
    memo: dict[str, str] = {}  # the paragraphs both versions share are normalised once
    old, cur = comparable(previous, memo), comparable(new, memo)
    fields = tuple(name for name in FIELDS if old[name] != cur[name])
    if not fields:
        return None
    field_changes = tuple(
        FieldChange(name, _display(old[name]), _display(cur[name]))
        for name in fields
        if name != "body"
    )
    old_body, new_body = _body(old), _body(cur)
    originals = Originals(*body_originals(previous.body, memo))
    new_originals = Originals(*body_originals(new.body, memo))
    budget = Budget.for_words(sum(map(count, old_body)) + sum(map(count, new_body)))
    operations = align_body(old_body, new_body, budget)
    notices, edited_notices, removed_notices = _notice_changes(old, cur, budget)
    significance, reasons = grade(
        field_changes,
        operations,
        old_body,
        notices,
        edited_notices,
        removed_notices,
        budget=budget,
        lexicon=Lexicon(new.language or previous.language),
        versions=Versions([str(old["title"]), *old_body], [str(cur["title"]), *new_body]),
    )
    sentences, paragraphs = _counts(operations)
    return Change(
        fields=fields,
        field_changes=tuple(_as_written(change, previous, new) for change in field_changes),
        operations=with_originals(operations, originals, new_originals, budget),
        **{kind: sentences[kind] for kind in _KINDS},
        **{f"paragraphs_{kind}": paragraphs[kind] for kind in _KINDS},
        significance=significance,
        summary=_summarise(fields, sentences, notices),
        reasons=reasons,
        events=tuple(dict.fromkeys(kind for kind, _ in notices)),
        notices=tuple(text for _, text in notices),
    )


def _body(fields: dict[str, object]) -> list[str]:
    body = fields["body"]
    assert isinstance(body, list)
    return body


def _notices(fields: dict[str, object]) -> list[tuple[str, str]]:
    """(kind, text) of every notice in the comparable subtitle and body."""
    texts = [fields["subtitle"], *_body(fields)]
    found = [(notice_kind(text), text) for text in texts if isinstance(text, str)]
    return [(kind, text) for kind, text in found if kind]


def _notice_changes(
    old: dict[str, object], new: dict[str, object], budget: Budget
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """Notices added (kind, text), and the kinds of those edited and removed.

    A new notice that rewords an old one of the same kind is an edit of it, not a second
    correction: it raises no event.
    """
    before, after = _notices(old), _notices(new)
    kept_before, kept_after = set(before), set(after)
    gone = [notice for notice in before if notice not in kept_after]
    waiting = _by_kind(gone)  # kind -> indices in `gone` not matched yet, in order
    added: list[tuple[str, str]] = []
    edited: list[str] = []
    for kind, text in (notice for notice in after if notice not in kept_before):
        queue = waiting.get(kind, [])
        rank = _reworded(text, [gone[k][1] for k in queue[:NOTICE_CANDIDATES]], budget)
        if rank is None:
            added.append((kind, text))
        else:
            queue.pop(rank)
            edited.append(kind)
    left = sorted(index for queue in waiting.values() for index in queue)
    return tuple(added), tuple(edited), tuple(gone[index][0] for index in left)


def _by_kind(notices: list[tuple[str, str]]) -> dict[str, list[int]]:
    """The indices of (kind, text) notices, by kind, in order."""
    indices: dict[str, list[int]] = {}
    for index, (kind, _) in enumerate(notices):
        indices.setdefault(kind, []).append(index)
    return indices


def _reworded(text: str, olds: list[str], budget: Budget) -> int | None:
    """The rank of the first of `olds` that `text` rewords, if one does."""
    return next((rank for rank, old in enumerate(olds) if _rewords(old, text, budget)), None)


def _rewords(old: str, new: str, budget: Budget) -> bool:
    return ratio(old, new, budget, at_least=NOTICE_REWORDED) >= NOTICE_REWORDED


def _counts(operations: Sequence[ParagraphOp]) -> tuple[Counter[str], Counter[str]]:
    """Sentences per kind (a whole paragraph counts its sentences), and paragraphs per kind.

    A sentence removed in one place and added, the same, in another (paragraphs split or
    merged) counts as moved.
    """
    sentences: Counter[str] = Counter()
    paragraphs: Counter[str] = Counter()
    gone: Counter[str] = Counter()
    came: Counter[str] = Counter()
    for op in operations:
        old, new = sentences_of(op)
        sentences[op.kind] += max(len(old), len(new))
        if op.unit == "paragraph":
            paragraphs[op.kind] += 1
        if op.kind in ("added", "removed"):
            gone.update(old)
            came.update(new)
    relocated = sum((gone & came).values())
    sentences["added"] -= relocated
    sentences["removed"] -= relocated
    sentences["moved"] += relocated
    edited = {(op.old_index, op.new_index) for op in operations if op.unit == "sentence"}
    paragraphs["edited"] = len(edited)
    return sentences, paragraphs


def _summarise(
    fields: tuple[str, ...], counts: Counter[str], notices: tuple[tuple[str, str], ...]
) -> str:
    """One line: 'title, authors changed; body: 2 sentences added, 1 edited; correction'."""
    parts = []
    metadata = [name for name in fields if name != "body"]
    if metadata:
        parts.append(f"{', '.join(metadata)} changed")
    if "body" in fields:
        present = [kind for kind in _KINDS if counts[kind]]
        words = [f"{counts[kind]} {kind}" for kind in present]
        if words:
            noun = "sentence" if counts[present[0]] == 1 else "sentences"
            first, *rest = words
            count, kind = first.split(" ", 1)
            parts.append("body: " + ", ".join([f"{count} {noun} {kind}", *rest]))
    if notices:
        parts.append(", ".join(dict.fromkeys(kind.replace("_", " ") for kind, _ in notices)))
    return "; ".join(parts)


def _as_written(change: FieldChange, previous: Article, new: Article) -> FieldChange:
    """A text field's change shown with the text as written (quotes, dashes kept)."""
    if change.name not in ("title", "subtitle", "authors"):
        return change
    return FieldChange(change.name, _written(previous, change.name), _written(new, change.name))


def _written(article: Article, name: str) -> str:
    if name == "authors":
        return ", ".join(display_text(a) for a in article.authors if normalise_text(a))
    return display_text(getattr(article, name))


def _display(value: object) -> str:
    """A comparable value as one display string: authors joined, None as ''."""
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)
