"""Compare two extractions of one article: normalise, align paragraphs, grade, render.

Pure functions, no I/O. Everything is compared after `normalise_text`, so two extractions
that differ only in typography (curly quotes, dashes, odd spaces, soft hyphens) are equal and
share a `content_hash`. Paragraph indices in a `ParagraphOp` count the normalised, non-empty
paragraphs, not `Article.body` as extracted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from difflib import SequenceMatcher

from worker.types import Article, Change, FieldChange, ParagraphOp

FIELDS = (
    "title",
    "subtitle",
    "authors",
    "published",
    "modified",
    "canonical_url",
    "image",
    "language",
    "body",
)
SIGNIFICANCE = ("trivial", "minor", "substantive", "major")
EDITED_MIN_RATIO = 0.5  # word-level similarity from which a replaced paragraph counts as edited
MAJOR_BODY_SHARE = 0.3  # share of the old body's words changed from which a change is major

# Typography folded away before comparing. Dashes all become "-": "a – b" and "a - b" read
# the same, and an editor's switch between them is not news. Invisible characters are dropped.
_CHARACTERS = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛", "'"),
        **dict.fromkeys("“”„‟«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff"),
    }
)
_KINDS = ("added", "removed", "edited", "moved")
_TEXT_FIELDS = frozenset({"title", "subtitle", "authors"})
# How much a change to each metadata field weighs; body edits are graded in _grade_body.
# `modified` alone is trivial: sites bump it on every republish without touching the text.
_FIELD_LEVELS = {
    "title": "major",
    "subtitle": "substantive",
    "authors": "substantive",
    "published": "substantive",
    "modified": "trivial",
    "canonical_url": "minor",
    "image": "minor",
    "language": "minor",
}
_NUMBER = r"\d+(?:[.,:/]\d+)*"
_TOKEN = re.compile(rf"{_NUMBER}|[^\W_]+")
_NUMBERS = re.compile(_NUMBER)
_QUOTED = re.compile(r'"([^"]*)"')
_TEXT_MARKS = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
_HTML_MARKS = {"equal": ("", ""), "delete": ("<del>", "</del>"), "insert": ("<ins>", "</ins>")}

Finding = tuple[str, str]  # (significance level, reason)


def normalise_text(text: str) -> str:
    """Fold typography away: NFC, straight quotes, '-' dashes, no invisibles, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text.translate(_CHARACTERS)).split())


def comparable(article: Article) -> dict[str, object]:
    """The normalised fields two versions are compared on, under their public names."""
    return {
        "title": normalise_text(article.title),
        "subtitle": normalise_text(article.subtitle),
        "authors": _texts(article.authors),
        "published": _iso(article.published),
        "modified": _iso(article.modified),
        "canonical_url": _optional(article.canonical_url),
        "image": _optional(article.image),
        "language": _language(article.language),
        "body": _texts(article.body),
    }


def content_hash(article: Article) -> str:
    """SHA-256 (hex) of the canonical JSON of `comparable(article)`."""
    canonical = json.dumps(
        comparable(article), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compare(previous: Article | None, new: Article) -> Change | None:
    """What changed from `previous` to `new`; None for a first capture or no real change."""
    if previous is None:
        return None
    old, cur = comparable(previous), comparable(new)
    fields = tuple(name for name in FIELDS if old[name] != cur[name])
    if not fields:
        return None
    field_changes = tuple(
        FieldChange(name, _display(old[name]), _display(cur[name]))
        for name in fields
        if name != "body"
    )
    old_body = _texts(previous.body)
    operations = _body_operations(old_body, _texts(new.body))
    counts = Counter(op.kind for op in operations)
    significance, reasons = _grade(field_changes, operations, old_body)
    return Change(
        fields=fields,
        field_changes=field_changes,
        operations=operations,
        added=counts["added"],
        removed=counts["removed"],
        edited=counts["edited"],
        moved=counts["moved"],
        significance=significance,
        summary=_summarise(fields, counts),
        reasons=reasons,
    )


def render_text(change: Change) -> str:
    """Plain text for a terminal; edited paragraphs as a git-style [-old-]{+new+} word diff."""
    lines = [f"{change.significance}: {change.summary}"]
    lines += [f"{fc.name}: - {fc.old} / + {fc.new}" for fc in change.field_changes]
    lines += [_text_line(op) for op in change.operations]
    return "\n".join(lines)


def render_json(change: Change) -> dict[str, object]:
    """A JSON-serialisable dict of the change, for `diff --format json` and the API."""
    return {
        "fields": list(change.fields),
        "field_changes": [dataclasses.asdict(fc) for fc in change.field_changes],
        "operations": [_json_operation(op) for op in change.operations],
        "counts": {kind: getattr(change, kind) for kind in _KINDS},
        "significance": change.significance,
        "reasons": list(change.reasons),
        "summary": change.summary,
    }


def render_html(change: Change) -> str:
    """An HTML fragment; every piece of content is escaped (scraped text is untrusted)."""
    parts = [
        f'<div class="nw-diff nw-{_escape(change.significance)}">',
        f'<p class="nw-summary">{_escape(change.significance)}: {_escape(change.summary)}</p>',
    ]
    if change.field_changes:
        parts += ['<dl class="nw-fields">', *map(_html_field, change.field_changes), "</dl>"]
    if change.operations:
        parts += ['<ul class="nw-body">', *map(_html_operation, change.operations), "</ul>"]
    parts.append("</div>")
    return "\n".join(parts)


# --- normalisation helpers


def _texts(values: Sequence[str]) -> list[str]:
    """Normalised values, empty ones dropped."""
    return [text for text in map(normalise_text, values) if text]


def _optional(value: str | None) -> str | None:
    """Normalised value, with '' folded into None."""
    return normalise_text(value or "") or None


def _language(value: str | None) -> str | None:
    """Language tags compare case-insensitively, and 'en_US' means 'en-US'."""
    tag = _optional(value)
    return tag.replace("_", "-").lower() if tag else None


def _iso(value: datetime | None) -> str | None:
    """ISO 8601; aware times in UTC so that one instant written in two zones is equal."""
    if value is None:
        return None
    if value.utcoffset() is not None:
        value = value.astimezone(UTC)
    return value.isoformat()


def _display(value: object) -> str:
    """A comparable value as one display string: authors joined, None as ''."""
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


# --- paragraph alignment


def _body_operations(old: list[str], new: list[str]) -> tuple[ParagraphOp, ...]:
    """Align two paragraph lists into added / removed / edited / moved operations."""
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    blocks = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]
    moves = _find_moves(old, new, blocks)
    moved_from = set(moves.values())
    operations: list[ParagraphOp] = []
    for i1, i2, j1, j2 in blocks:
        olds = [i for i in range(i1, i2) if i not in moved_from]
        operations += _align_block(old, new, olds, list(range(j1, j2)), moves)
    return tuple(operations)


def _find_moves(
    old: list[str], new: list[str], blocks: list[tuple[int, int, int, int]]
) -> dict[int, int]:
    """Paragraphs removed in one place and added, identical, in another: new index -> old."""
    gone: dict[str, list[int]] = {}
    for i1, i2, _, _ in blocks:
        for i in range(i1, i2):
            gone.setdefault(old[i], []).append(i)
    moves = {}
    for _, _, j1, j2 in blocks:
        for j in range(j1, j2):
            if gone.get(new[j]):
                moves[j] = gone[new[j]].pop(0)
    return moves


def _align_block(
    old: list[str], new: list[str], olds: list[int], news: list[int], moves: dict[int, int]
) -> list[ParagraphOp]:
    """Operations for one replaced block: removals first, then the new side in order."""
    edits = dict(_pair_similar(old, new, olds, [j for j in news if j not in moves]))
    edited_old = set(edits.values())
    operations = [
        ParagraphOp("removed", old_index=i, old=old[i]) for i in olds if i not in edited_old
    ]
    for j in news:
        if j in moves:
            operations.append(ParagraphOp("moved", moves[j], j, old[moves[j]], new[j]))
        elif j in edits:
            operations.append(ParagraphOp("edited", edits[j], j, old[edits[j]], new[j]))
        else:
            operations.append(ParagraphOp("added", new_index=j, new=new[j]))
    return operations


def _pair_similar(
    old: list[str], new: list[str], olds: list[int], news: list[int]
) -> list[tuple[int, int]]:
    """Pair old and new paragraphs as (new, old), most similar first, keeping reading order."""
    candidates = sorted(
        ((_similarity(old[i], new[j]), i, j) for i in olds for j in news),
        key=lambda candidate: (-candidate[0], candidate[1], candidate[2]),
    )
    pairs: list[tuple[int, int]] = []
    for ratio, i, j in candidates:
        if ratio < EDITED_MIN_RATIO:
            break
        if all(i != a and j != b and (i < a) == (j < b) for a, b in pairs):
            pairs.append((i, j))
    return [(j, i) for i, j in pairs]


def _similarity(a: str, b: str) -> float:
    """Word-level similarity ratio; the cheap upper bounds skip hopeless pairs."""
    matcher = SequenceMatcher(None, a.split(), b.split(), autojunk=False)
    if matcher.real_quick_ratio() < EDITED_MIN_RATIO or matcher.quick_ratio() < EDITED_MIN_RATIO:
        return 0.0
    return matcher.ratio()


# --- significance


def _grade(
    field_changes: tuple[FieldChange, ...], operations: tuple[ParagraphOp, ...], old_body: list[str]
) -> tuple[str, tuple[str, ...]]:
    """The highest level found, with every distinct reason, in order."""
    findings = [*map(_grade_field, field_changes), *_grade_body(operations, old_body)]
    level = max((level for level, _ in findings), key=SIGNIFICANCE.index, default="minor")
    return level, tuple(dict.fromkeys(reason for _, reason in findings))


def _grade_field(change: FieldChange) -> Finding:
    """A metadata field: its fixed weight, unless only punctuation or case moved."""
    if change.name in _TEXT_FIELDS and _tokens(change.old) == _tokens(change.new):
        return "trivial", f"{change.name}: punctuation or case only"
    return _FIELD_LEVELS[change.name], f"{change.name} changed"


def _grade_body(operations: tuple[ParagraphOp, ...], old_body: list[str]) -> list[Finding]:
    """Paragraphs added or removed, reordered, edited; and the share of words changed."""
    counts = Counter(op.kind for op in operations)
    findings = [
        ("substantive", f"{_plural(counts[kind], 'paragraph')} {kind}")
        for kind in ("added", "removed")
        if counts[kind]
    ]
    if counts["moved"]:
        findings.append(("minor", "paragraphs reordered"))
    findings += [_grade_edit(op) for op in operations if op.kind == "edited"]
    share = _changed_share(operations, old_body)
    if share > MAJOR_BODY_SHARE:
        findings.append(("major", f"{share:.0%} of body words changed"))
    return findings


def _grade_edit(op: ParagraphOp) -> Finding:
    """One edited paragraph: punctuation only, numbers, a quotation, or just words."""
    if _tokens(op.old) == _tokens(op.new):
        return "trivial", "punctuation or case only"
    if sorted(_NUMBERS.findall(op.old)) != sorted(_NUMBERS.findall(op.new)):
        return "substantive", "numbers changed"
    if _quotations(op.old) != _quotations(op.new):
        return "substantive", "quotation changed"
    return "minor", "words edited"


def _changed_share(operations: tuple[ParagraphOp, ...], old_body: list[str]) -> float:
    """Words added, removed or replaced, over the words of the old body."""
    total = sum(len(_tokens(paragraph)) for paragraph in old_body)
    changed = sum(map(_changed_words, operations))
    if not total:
        return 1.0 if changed else 0.0
    return changed / total


def _changed_words(op: ParagraphOp) -> int:
    """Words (punctuation and case ignored) touched by one operation; a move touches none."""
    if op.kind == "moved":
        return 0
    opcodes = SequenceMatcher(None, _tokens(op.old), _tokens(op.new), autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")


def _tokens(text: str) -> list[str]:
    """Lower-case words and numbers ('3.5' stays one token), punctuation dropped."""
    return _TOKEN.findall(text.casefold())


def _quotations(text: str) -> list[list[str]]:
    """The words of each double-quoted passage."""
    return [_tokens(quoted) for quoted in _QUOTED.findall(text)]


def _summarise(fields: tuple[str, ...], counts: Counter[str]) -> str:
    """One line: 'title, authors changed; body: 1 added, 1 edited'."""
    parts = []
    metadata = [name for name in fields if name != "body"]
    if metadata:
        parts.append(f"{', '.join(metadata)} changed")
    if "body" in fields:
        parts.append("body: " + ", ".join(f"{counts[k]} {k}" for k in _KINDS if counts[k]))
    return "; ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- rendering


def _word_segments(old: str, new: str) -> Iterator[tuple[str, str]]:
    """Whitespace-separated words as ('equal' | 'delete' | 'insert', text) runs."""
    a, b = old.split(), new.split()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            yield "equal", " ".join(a[i1:i2])
        if tag in ("delete", "replace"):
            yield "delete", " ".join(a[i1:i2])
        if tag in ("insert", "replace"):
            yield "insert", " ".join(b[j1:j2])


def _word_diff(old: str, new: str, wrap: Callable[[str, str], str]) -> str:
    """Join wrapped word runs; a deletion and its insertion touch, as in git --word-diff."""
    out: list[str] = []
    previous = ""
    for tag, words in _word_segments(old, new):
        glue = "" if not out or (previous, tag) == ("delete", "insert") else " "
        out.append(glue + wrap(tag, words))
        previous = tag
    return "".join(out)


def _text_mark(tag: str, words: str) -> str:
    start, end = _TEXT_MARKS[tag]
    return f"{start}{words}{end}"


def _html_mark(tag: str, words: str) -> str:
    start, end = _HTML_MARKS[tag]
    return f"{start}{_escape(words)}{end}"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _text_line(op: ParagraphOp) -> str:
    if op.kind == "added":
        return f"+ {op.new}"
    if op.kind == "removed":
        return f"- {op.old}"
    if op.kind == "moved":
        return f"> {_where(op)}: {op.new}"
    return f"~ {_word_diff(op.old, op.new, _text_mark)}"


def _json_operation(op: ParagraphOp) -> dict[str, object]:
    """The operation's fields, plus the word runs of an edit."""
    data: dict[str, object] = dataclasses.asdict(op)
    if op.kind == "edited":
        data["words"] = [{"op": tag, "text": text} for tag, text in _word_segments(op.old, op.new)]
    return data


def _html_field(change: FieldChange) -> str:
    diff = _word_diff(change.old, change.new, _html_mark)
    return f"<dt>{_escape(change.name)}</dt><dd>{diff}</dd>"


def _html_operation(op: ParagraphOp) -> str:
    if op.kind == "added":
        body = f"<ins>{_escape(op.new)}</ins>"
    elif op.kind == "removed":
        body = f"<del>{_escape(op.old)}</del>"
    elif op.kind == "moved":
        body = f'<span class="nw-where">{_where(op)}</span> {_escape(op.new)}'
    else:
        body = _word_diff(op.old, op.new, _html_mark)
    return f'<li class="nw-{_escape(op.kind)}">{body}</li>'


def _where(op: ParagraphOp) -> str:
    """Where a moved paragraph went, in the 1-based numbers a reader sees."""
    return f"moved from paragraph {_position(op.old_index)} to {_position(op.new_index)}"


def _position(index: int | None) -> str:
    return "?" if index is None else str(index + 1)
