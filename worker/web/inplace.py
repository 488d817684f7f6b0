"""The latest version's full text with every change since an older one marked in place.

The differ (`diff.compare`) says which paragraphs were added, removed, moved or edited; this
module lays them over the new text: every paragraph of the new version in order, the removed
ones where they stood, and inside an edited paragraph the words inserted and deleted. Runs
of (text, mark) rather than markup, so the template escapes every scraped word.

The word diff of one edited paragraph is bounded (`PAIR_BUDGET`), and so is the whole page
(`PAGE_BUDGET`): past either, the old paragraph is shown deleted and the new one inserted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from worker import diff
from worker.types import Article, Change, ParagraphOp

PAIR_BUDGET = 250_000  # words of old x words of new that one paragraph's word diff may weigh
PAGE_BUDGET = 2_000_000  # and all of them together
_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph as shown: `kind` is same, added, removed, edited or moved; `runs` are
    (text, mark) with mark '', 'ins' or 'del'; `was` is the old position of a moved one."""

    kind: str
    runs: tuple[tuple[str, str], ...]
    was: int | None = None


def in_place(old: Article, new: Article, change: Change | None) -> list[Paragraph]:
    """The body of `new` with the changes from `old` marked (`change` compares the two)."""
    if change is None:
        return [Paragraph("same", ((text, ""),)) for text in new.body if text.strip()]
    old_kept = [text for text in old.body if _kept(text)]
    layout = _Layout(change.operations, len(old_kept), sum(map(_kept, new.body)))
    budget = [PAGE_BUDGET]
    shown: list[Paragraph] = []
    index = 0
    for text in new.body:
        if not text.strip():
            continue
        if not _kept(text):  # noise the differ leaves out: shown as it stands
            shown.append(Paragraph("same", ((text, ""),)))
            continue
        shown.extend(_removed(layout.removed_before.get(index, []), old_kept))
        shown.append(_paragraph(layout, index, text, old_kept, budget))
        index += 1
    shown.extend(_removed(layout.removed_before.get(index, []), old_kept))
    return shown


def _kept(text: str) -> bool:
    """Whether the differ compares this paragraph (see `diff.comparable`)."""
    return bool(diff.strip_noise(diff.normalise_text(text)))


class _Layout:
    """Where each new paragraph came from, and before which new paragraph each removed one
    stood, from the differ's operations (indices of the comparable bodies)."""

    def __init__(self, operations: Sequence[ParagraphOp], old_count: int, new_count: int) -> None:
        self.added: set[int] = set()
        self.moved: dict[int, int] = {}
        self.edited: dict[int, int] = {}
        removed: list[int] = []
        for op in operations:
            if op.unit == "sentence" and op.old_index is not None and op.new_index is not None:
                self.edited[op.new_index] = op.old_index
            elif op.kind == "added" and op.new_index is not None:
                self.added.add(op.new_index)
            elif op.kind == "removed" and op.old_index is not None:
                removed.append(op.old_index)
            elif op.kind == "moved" and op.old_index is not None and op.new_index is not None:
                self.moved[op.new_index] = op.old_index
        taken_old = set(removed) | set(self.moved.values()) | set(self.edited.values())
        taken_new = self.added | set(self.moved) | set(self.edited)
        self.same = _in_order(old_count, new_count, taken_old, taken_new)
        self.removed_before = _anchored(sorted(set(removed)), self.same | self.edited)

    def source(self, index: int) -> tuple[str, int | None]:
        """How new paragraph `index` came to be, and the old paragraph it came from."""
        if index in self.edited:
            return "edited", self.edited[index]
        if index in self.moved:
            return "moved", self.moved[index]
        if index in self.added:
            return "added", None
        return "same", self.same.get(index)


def _in_order(
    old_count: int, new_count: int, taken_old: set[int], taken_new: set[int]
) -> dict[int, int]:
    """The paragraphs no operation touched, paired in order: new index -> old index."""
    olds = [i for i in range(old_count) if i not in taken_old]
    news = [i for i in range(new_count) if i not in taken_new]
    return dict(zip(news, olds, strict=False))


def _anchored(removed: list[int], paired: dict[int, int]) -> dict[int, list[int]]:
    """Each removed old paragraph keyed by the new paragraph it stood before: the one after
    the new place of the closest old paragraph before it that is still there."""
    new_of_old = sorted((old, new) for new, old in paired.items())
    anchored: dict[int, list[int]] = {}
    for old in removed:
        before = [new for kept_old, new in new_of_old if kept_old < old]
        anchored.setdefault(max(before) + 1 if before else 0, []).append(old)
    return anchored


def _removed(indices: list[int], old_kept: list[str]) -> list[Paragraph]:
    return [Paragraph("removed", ((old_kept[i], "del"),)) for i in indices if i < len(old_kept)]


def _paragraph(
    layout: _Layout, index: int, text: str, old_kept: list[str], budget: list[int]
) -> Paragraph:
    kind, was = layout.source(index)
    if kind == "added":
        return Paragraph("added", ((text, "ins"),))
    if kind == "edited" and was is not None and was < len(old_kept):
        return Paragraph("edited", _word_runs(old_kept[was], text, budget))
    if kind == "moved":
        return Paragraph("moved", ((text, ""),), was=was)
    return Paragraph("same", ((text, ""),))


def _word_runs(old: str, new: str, budget: list[int]) -> tuple[tuple[str, str], ...]:
    """The words of `new` with those deleted from `old` and inserted marked, within budget."""
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    weight = len(before) * len(after)
    if weight > PAIR_BUDGET or weight > budget[0]:
        return ((old, "del"), (" ", ""), (new, "ins"))
    budget[0] -= weight
    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in before], [t.strip() for t in after], autojunk=False
    )
    runs: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("".join(after[j1:j2]), ""))
            continue
        if i2 > i1:
            runs.append(("".join(before[i1:i2]), "del"))
        if j2 > j1:
            runs.append(("".join(after[j1:j2]), "ins"))
    return tuple(runs)
