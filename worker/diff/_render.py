"""The three renderers: unified text with word highlights, JSON, and HTML (inline or side by side).

Scraped text is untrusted: the HTML renderer escapes every piece of content and emits only
plain structural tags with class attributes (no scripts, no handlers, no links).
"""

from __future__ import annotations

import dataclasses
import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from worker.diff._align import word_ops
from worker.diff._budget import MIN_STEPS, Budget
from worker.diff._normalise import comparable_text, touching
from worker.diff._sentences import split_sentences
from worker.types import Change, FieldChange, ParagraphOp

_KINDS = ("added", "removed", "edited", "moved")
_TEXT_MARKS = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
_HTML_MARKS = {"equal": ("", ""), "delete": ("<del>", "</del>"), "insert": ("<ins>", "</ins>")}
_TEXT_SIGNS = {"added": "+", "removed": "-", "edited": "~", "moved": ">"}
HTML_MODES = ("inline", "side-by-side")
_SPLIT_SIGN = "¶"
_SPLIT_REACH = 3  # paragraphs between an edited paragraph and a part split off it, at most


@dataclass(frozen=True)
class _Split:
    """A paragraph split off an edited one (or merged into it), its text unchanged: shown as
    one line in place of the sentences removed there and the paragraph added here."""

    kind: str  # "split" or "merged"
    header: str
    text: str


_Item = ParagraphOp | _Split


def render_text(change: Change) -> str:
    """Plain text for a terminal: a hunk per paragraph, edited sentences as [-old-]{+new+}."""
    budget = Budget(MIN_STEPS)
    lines = [f"{change.significance}: {change.summary}"]
    lines += [f"reason: {reason}" for reason in change.reasons]
    lines += [f"{fc.name}: - {fc.old} / + {fc.new}" for fc in change.field_changes]
    for header, group in _hunks(change.operations):
        lines.append(f"@@ {header} @@")
        lines += [_text_line(op, budget) for op in group]
    return "\n".join(lines)


def render_json(change: Change) -> dict[str, object]:
    """A JSON-serialisable dict of the change, for `diff --format json` and the API."""
    return {
        "fields": list(change.fields),
        "field_changes": [dataclasses.asdict(fc) for fc in change.field_changes],
        "operations": [_json_operation(op) for op in change.operations],
        "counts": {kind: getattr(change, kind) for kind in _KINDS},
        "paragraphs": {kind: getattr(change, f"paragraphs_{kind}") for kind in _KINDS},
        "significance": change.significance,
        "reasons": list(change.reasons),
        "events": list(change.events),
        "notices": list(change.notices),
        "summary": change.summary,
    }


def render_html(change: Change, mode: str = "inline") -> str:
    """An HTML fragment, inline (<del>/<ins> in the text) or side by side (old | new table)."""
    if mode not in HTML_MODES:
        raise ValueError(f"unknown HTML mode {mode!r}; expected one of {', '.join(HTML_MODES)}")
    budget = Budget(MIN_STEPS)  # for the word diffs of the fields, one per rendering
    parts = [
        f'<div class="nw-diff nw-{_escape(change.significance)} nw-{mode}">',
        f'<p class="nw-summary">{_escape(change.significance)}: {_escape(change.summary)}</p>',
    ]
    if change.reasons:
        items = "".join(f"<li>{_escape(reason)}</li>" for reason in change.reasons)
        parts.append(f'<ul class="nw-reasons">{items}</ul>')
    if change.field_changes:
        fields = [_html_field(field, budget) for field in change.field_changes]
        parts += ['<dl class="nw-fields">', *fields, "</dl>"]
    if change.operations:
        render = _html_inline if mode == "inline" else _html_side_by_side
        parts += render(change.operations, budget)
    parts.append("</div>")
    return "\n".join(parts)


# --- shared


def _hunks(operations: Sequence[ParagraphOp]) -> Iterable[tuple[str, list[_Item]]]:
    """Consecutive operations on the same paragraph, with a header naming it; paragraphs
    split or merged as such."""
    groups: list[tuple[str, list[_Item]]] = []
    for op in _with_splits(operations):
        header = op.header if isinstance(op, _Split) else _paragraph_header(op)
        if groups and groups[-1][0] == header:
            groups[-1][1].append(op)
        else:
            groups.append((header, [op]))
    return groups


def _with_splits(operations: Sequence[ParagraphOp]) -> list[_Item]:
    """The operations, with each paragraph added whose sentences were all removed from an
    edited paragraph nearby (a split) shown as one `_Split`, and the reverse (a merge)."""
    taken: set[int] = set()
    shown: dict[int, _Split] = {}
    for op in operations:
        if op.unit != "paragraph" or op.kind not in ("added", "removed"):
            continue
        split = op.kind == "added"
        text, here = (op.new, op.new_index) if split else (op.old, op.old_index)
        parts = _parts(operations, text, here, "removed" if split else "added", taken)
        if parts:
            taken |= {id(part) for part in parts}
            shown[id(op)] = _split(op, parts[0], split)
    return [shown.get(id(op), op) for op in operations if id(op) not in taken]


def _parts(
    operations: Sequence[ParagraphOp], text: str, here: int | None, kind: str, taken: set[int]
) -> list[ParagraphOp]:
    """The sentence operations of `kind` in the nearest edited paragraph that hold every
    sentence of `text`, one each; none if no paragraph does."""
    wanted = Counter(split_sentences(comparable_text(text)))
    groups: dict[tuple[int | None, int | None], list[ParagraphOp]] = {}
    for op in operations:
        if op.unit == "sentence" and op.kind == kind and id(op) not in taken:
            groups.setdefault((op.old_index, op.new_index), []).append(op)
    best: list[ParagraphOp] = []
    distance = _SPLIT_REACH + 1
    for (old_index, new_index), group in groups.items():
        there = new_index if kind == "removed" else old_index
        if here is None or there is None or abs(here - there) >= distance:
            continue
        texts = {id(op): comparable_text(op.old or op.new) for op in group}
        if wanted <= Counter(texts.values()):
            best, distance = _one_each(group, texts, wanted), abs(here - there)
    return best


def _one_each(
    group: list[ParagraphOp], texts: dict[int, str], wanted: Counter[str]
) -> list[ParagraphOp]:
    """Operations of `group`, in order, one for each sentence `wanted`."""
    need = Counter(wanted)
    chosen = []
    for op in group:
        if need[texts[id(op)]] > 0:
            need[texts[id(op)]] -= 1
            chosen.append(op)
    return chosen


def _split(op: ParagraphOp, part: ParagraphOp, split: bool) -> _Split:
    if split:
        header = (
            f"paragraph {_position(part.new_index)} split: new paragraph "
            f"{_position(op.new_index)}, text unchanged"
        )
        return _Split("split", header, op.new)
    header = (
        f"old paragraph {_position(op.old_index)} merged into paragraph "
        f"{_position(part.new_index)}, text unchanged"
    )
    return _Split("merged", header, op.old)


def _paragraph_header(op: ParagraphOp) -> str:
    """'paragraph 3', 'paragraph 3 (was 2)', 'old paragraph 4' or 'new paragraph 5'."""
    if op.unit == "sentence":
        same = op.old_index == op.new_index
        was = "" if same else f" (was {_position(op.old_index)})"
        return f"paragraph {_position(op.new_index)}{was}"
    if op.kind == "removed":
        return f"old paragraph {_position(op.old_index)}"
    if op.kind == "added":
        return f"new paragraph {_position(op.new_index)}"
    return f"paragraph {_position(op.new_index)} (was {_position(op.old_index)})"


def _words(op: ParagraphOp, budget: Budget) -> Sequence[tuple[str, str]]:
    return op.words or word_ops(op.old, op.new, budget)


def _word_diff(runs: Sequence[tuple[str, str]], wrap: Callable[[str, str], str]) -> str:
    """Join wrapped word runs; a deletion and its insertion touch, as in git --word-diff."""
    out: list[str] = []
    previous = ""
    last = ""
    for tag, words in runs:
        close = (previous, tag) == ("delete", "insert") or touching(last, words)
        glue = "" if not out or close else " "
        out.append(glue + wrap(tag, words))
        previous = tag
        if tag != "delete":
            last = words
    return "".join(out)


def _where(op: ParagraphOp) -> str:
    """Where a moved paragraph or sentence went, in the 1-based numbers a reader sees."""
    if op.unit == "sentence":
        old, new = _position(op.old_sentence), _position(op.new_sentence)
        return f"moved from sentence {old} to {new}"
    return f"moved from paragraph {_position(op.old_index)} to {_position(op.new_index)}"


def _position(index: int | None) -> str:
    return "?" if index is None else str(index + 1)


# --- text


def _text_mark(tag: str, words: str) -> str:
    start, end = _TEXT_MARKS[tag]
    return f"{start}{words}{end}"


def _text_line(op: _Item, budget: Budget) -> str:
    if isinstance(op, _Split):
        return f"{_SPLIT_SIGN} {op.text}"
    sign = _TEXT_SIGNS[op.kind]
    if op.kind == "added":
        return f"{sign} {op.new}"
    if op.kind == "removed":
        return f"{sign} {op.old}"
    if op.kind == "moved":
        return f"{sign} {_where(op)}: {op.new}"
    return f"{sign} {_word_diff(_words(op, budget), _text_mark)}"


# --- JSON


def _json_operation(op: ParagraphOp) -> dict[str, object]:
    """The operation's fields, with the word runs of an edit as objects."""
    data: dict[str, object] = dataclasses.asdict(op)
    data["words"] = [{"op": tag, "text": text} for tag, text in op.words]
    return data


# --- HTML


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _html_mark(tag: str, words: str) -> str:
    start, end = _HTML_MARKS[tag]
    return f"{start}{_escape(words)}{end}"


def _html_field(change: FieldChange, budget: Budget) -> str:
    diff = _word_diff(word_ops(change.old, change.new, budget), _html_mark)
    return f"<dt>{_escape(change.name)}</dt><dd>{diff}</dd>"


def _html_inline(operations: Sequence[ParagraphOp], budget: Budget) -> list[str]:
    parts = ['<ul class="nw-body">']
    for header, group in _hunks(operations):
        parts.append(f'<li class="nw-hunk"><span class="nw-where">{_escape(header)}</span>')
        parts += ["<ul>", *(_html_operation(op, budget) for op in group), "</ul></li>"]
    parts.append("</ul>")
    return parts


def _html_operation(op: _Item, budget: Budget) -> str:
    if isinstance(op, _Split):
        return f'<li class="nw-{op.kind} nw-paragraph">{_escape(op.text)}</li>'
    if op.kind == "added":
        body = f"<ins>{_escape(op.new)}</ins>"
    elif op.kind == "removed":
        body = f"<del>{_escape(op.old)}</del>"
    elif op.kind == "moved":
        body = f'<span class="nw-where">{_where(op)}</span> {_escape(op.new)}'
    else:
        body = _word_diff(_words(op, budget), _html_mark)
    return f'<li class="nw-{_escape(op.kind)} nw-{_escape(op.unit)}">{body}</li>'


def _html_side_by_side(operations: Sequence[ParagraphOp], budget: Budget) -> list[str]:
    parts = ['<table class="nw-body">', "<thead><tr><th>Before</th><th>After</th></tr></thead>"]
    for header, group in _hunks(operations):
        parts.append(f'<tbody><tr class="nw-hunk"><th colspan="2">{_escape(header)}</th></tr>')
        parts += [_html_row(op, budget) for op in group]
        parts.append("</tbody>")
    parts.append("</table>")
    return parts


def _html_row(op: _Item, budget: Budget) -> str:
    """One operation as a row: the old text with deletions, the new one with insertions."""
    if isinstance(op, _Split):
        text = _escape(op.text)
        return f'<tr class="nw-{op.kind} nw-paragraph"><td>{text}</td><td>{text}</td></tr>'
    if op.kind == "edited":
        runs = _words(op, budget)
        old = _word_diff([r for r in runs if r[0] != "insert"], _html_mark)
        new = _word_diff([r for r in runs if r[0] != "delete"], _html_mark)
    elif op.kind == "moved":
        old = f'<span class="nw-where">{_where(op)}</span> {_escape(op.old)}'
        new = _escape(op.new)
    else:
        old = f"<del>{_escape(op.old)}</del>" if op.old else ""
        new = f"<ins>{_escape(op.new)}</ins>" if op.new else ""
    css = f"nw-{_escape(op.kind)} nw-{_escape(op.unit)}"
    return f'<tr class="{css}"><td>{old}</td><td>{new}</td></tr>'
