"""Alignment of two bodies: paragraphs first, then the sentences of each edited paragraph.

Paragraphs are matched with difflib; an identical paragraph found elsewhere is a move, and
within a replaced block old and new paragraphs are paired by word similarity. A pair is an
edited paragraph, described by sentence operations (added, removed, edited with a word diff,
moved). Unpaired paragraphs are added or removed whole.

The alignment is computed in one canonical direction and mirrored for the other, so swapping
the two versions mirrors the operations exactly.

It all draws on the comparison's budget (see `_budget`), so that a hostile page is aligned in
bounded time: past it, similarities are judged by common starts and ends, and the pairs left
(in reading order) are shown replaced rather than compared sentence by sentence.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, pairwise

from worker.diff._budget import MIN_STEPS, Budget, matched, opcodes, ratio
from worker.diff._normalise import body_paragraphs, comparable_text, join_units, normalise_text
from worker.diff._sentences import join_sentences, split_sentences
from worker.types import ParagraphOp
from worker.words import units

# Calibrated on fixtures/series: edited sentences score 0.62-0.96 (the softened quote is the
# lowest), unrelated sentence pairs of the stories at most 0.36 (99% under 0.24).
SENTENCE_EDIT_RATIO = 0.5
PARAGRAPH_PAIR_RATIO = 0.4  # a paragraph that kept this share of its words is edited, not replaced
MAX_PAIRS = 20_000  # candidate pairs per replaced block; beyond, only nearby ones are considered
CANDIDATES_PER_ITEM = 4  # full similarity computations per old item, on the likeliest new ones
MOVED_EDIT_RATIO = 0.6  # similarity from which an item removed here and added there moved
_FAR_MIN_WORDS = 6  # shorter items are too alike by chance to be paired across the text
_FAR_MAX_PAIRS = 2_500  # leftover pairs beyond which the far pass is skipped
# Budget steps (see `_budget`) of comparing an edited paragraph sentence by sentence, and of an
# edited sentence's word diff and grading. Pairs past the budget are removed and added whole.
PARAGRAPH_PAIR_STEPS = 300
SENTENCE_PAIR_STEPS = 1_500
PAIRING_SHARE = 0.5  # of the budget left, what finding the pairs may spend; the rest is theirs

_MIRROR = {"added": "removed", "removed": "added", "edited": "edited", "moved": "moved"}
_CONTAINMENT_MIN_WORDS = 8

Similarity = Callable[[list[str], list[str]], float]  # with the comparison's budget bound
WordOp = tuple[str, str]


@dataclass
class _Match:
    """How two sequences align: pairs of similar items, identical items moved, the rest."""

    pairs: list[tuple[int, int]] = field(default_factory=list)
    moves: list[tuple[int, int]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)


def align_body(old: list[str], new: list[str], budget: Budget) -> tuple[ParagraphOp, ...]:
    """Operations turning the comparable body `old` into `new`, in reading order."""
    if old == new:
        return ()
    if (len(old), old) <= (len(new), new):
        operations = _paragraph_ops(old, new, budget)
    else:
        operations = [mirror(op, budget) for op in _paragraph_ops(new, old, budget)]
    return tuple(sorted(operations, key=_order_key(old, operations)))


def apply(old_body: Sequence[str], operations: Sequence[ParagraphOp]) -> list[str]:
    """The new comparable body: `operations` replayed on `old_body` (raw or comparable).

    The operations may hold the text as written (`compare` shows it): what they fill in is
    normalised as the comparable body is.
    """
    old = body_paragraphs(old_body)
    filled, consumed = _paragraph_slots(operations)
    paired = _sentence_groups(operations)
    for (i, j), group in paired.items():
        filled[j] = join_sentences(_apply_sentences(split_sentences(old[i]), group))
    filled = {j: comparable_text(text) for j, text in filled.items()}
    kept = _untouched(len(old), consumed, filled)
    return [filled[j] if j in filled else old[kept[j]] for j in range(len(kept) + len(filled))]


def mirror(op: ParagraphOp, budget: Budget | None = None) -> ParagraphOp:
    """The same operation seen from the other version: added <-> removed, old <-> new."""
    budget = budget or Budget(MIN_STEPS)
    return dataclasses.replace(
        op,
        kind=_MIRROR[op.kind],
        old_index=op.new_index,
        new_index=op.old_index,
        old=op.new,
        new=op.old,
        old_sentence=op.new_sentence,
        new_sentence=op.old_sentence,
        words=word_ops(op.new, op.old, budget) if op.words else (),
    )


def word_ops(old: str, new: str, budget: Budget) -> tuple[WordOp, ...]:
    """Words (see `units`) as ('equal' | 'delete' | 'insert', text) runs; past the budget,
    the words between the common start and end are all deleted and inserted.

    Words are compared normalised ('–' and '-' are one word) and shown as written, equal
    runs as the new text has them."""
    a, b = units(old), units(new)
    runs: list[WordOp] = []
    keys = [normalise_text(word) for word in a], [normalise_text(word) for word in b]
    for tag, i1, i2, j1, j2 in opcodes(*keys, budget):
        if tag == "equal":
            runs.append(("equal", join_units(b[j1:j2])))
        if tag in ("delete", "replace"):
            runs.append(("delete", join_units(a[i1:i2])))
        if tag in ("insert", "replace"):
            runs.append(("insert", join_units(b[j1:j2])))
    return tuple(runs)


# --- building operations


def _paragraph_ops(old: list[str], new: list[str], budget: Budget) -> list[ParagraphOp]:
    """Paragraph-level match, with sentence operations for each edited pair."""
    pairing = budget.share(PAIRING_SHARE)
    similarity = partial(_paragraph_similarity, budget=pairing)
    match = _match(old, new, similarity, PARAGRAPH_PAIR_RATIO, pairing)
    operations = [ParagraphOp("moved", i, j, old[i], new[j]) for i, j in match.moves]
    for i, j in match.pairs:  # in reading order: past the budget, edits are shown replaced
        if budget.afford(PARAGRAPH_PAIR_STEPS):
            olds, news = split_sentences(old[i]), split_sentences(new[j])
            operations += _sentence_ops(i, j, olds, news, budget)
        else:
            match.removed.append(i)
            match.added.append(j)
    operations += [ParagraphOp("removed", old_index=i, old=old[i]) for i in sorted(match.removed)]
    operations += [ParagraphOp("added", new_index=j, new=new[j]) for j in sorted(match.added)]
    return operations


def _sentence_ops(
    i: int, j: int, old: list[str], new: list[str], budget: Budget
) -> list[ParagraphOp]:
    """Sentence operations inside edited paragraph `i` (old) / `j` (new)."""
    pairing = budget.share(PAIRING_SHARE)
    match = _match(old, new, partial(_word_ratio, budget=pairing), SENTENCE_EDIT_RATIO, pairing)
    _keep_affordable(match, budget, SENTENCE_PAIR_STEPS)
    sentence = {"unit": "sentence", "old_index": i, "new_index": j}
    operations = [
        ParagraphOp("removed", old=old[s], old_sentence=s, **sentence) for s in match.removed
    ]
    operations += [
        ParagraphOp("added", new=new[t], new_sentence=t, **sentence) for t in match.added
    ]
    operations += [
        ParagraphOp("moved", old=old[s], new=new[t], old_sentence=s, new_sentence=t, **sentence)
        for s, t in match.moves
    ]
    operations += [
        ParagraphOp(
            "edited",
            old=old[s],
            new=new[t],
            old_sentence=s,
            new_sentence=t,
            **sentence,
        )
        for s, t in match.pairs
    ]
    return operations


# --- matching


def _match(
    old: list[str], new: list[str], similarity: Similarity, threshold: float, budget: Budget
) -> _Match:
    """Equal runs by difflib, identical items elsewhere as moves, similar items paired."""
    runs = opcodes(old, new, budget)
    blocks = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in runs if tag != "equal"]
    match = _Match(moves=_moves(old, new, blocks))
    moved_old = {i for i, _ in match.moves}
    moved_new = {j for _, j in match.moves}
    words_old = [units(text) for text in old]
    words_new = [units(text) for text in new]
    for i1, i2, j1, j2 in blocks:
        olds = [i for i in range(i1, i2) if i not in moved_old]
        news = [j for j in range(j1, j2) if j not in moved_new]
        pairs = _pair(words_old, words_new, olds, news, similarity, threshold)
        removed, added = _unpaired(olds, news, pairs)
        match.pairs += pairs
        match.removed += removed
        match.added += added
    _pair_far(match, words_old, words_new, similarity)
    return match


def _pair_far(
    match: _Match, old: list[list[str]], new: list[list[str]], similarity: Similarity
) -> None:
    """Pair what is left across blocks: an item moved and edited on the way is an edit (at
    its new place), not a removal and an unrelated addition."""
    olds = [i for i in match.removed if len(old[i]) >= _FAR_MIN_WORDS]
    news = [j for j in match.added if len(new[j]) >= _FAR_MIN_WORDS]
    if not olds or not news or len(olds) * len(news) > _FAR_MAX_PAIRS:
        return  # a wholesale rewrite: nothing was moved
    found = _pair(old, new, olds, news, similarity, MOVED_EDIT_RATIO)
    if not found:
        return
    match.pairs = sorted(match.pairs + found)
    match.removed, match.added = _unpaired(match.removed, match.added, found)


def _keep_affordable(match: _Match, budget: Budget, steps: int) -> None:
    """Keep the pairs, in reading order, that the budget can analyse at `steps` each; the
    others become a removal and an addition, as unrelated items are."""
    kept = [pair for pair in match.pairs if budget.afford(steps)]
    dropped = match.pairs[len(kept) :]  # once a pair is refused, all after it are
    match.pairs = kept
    match.removed = sorted(match.removed + [i for i, _ in dropped])
    match.added = sorted(match.added + [j for _, j in dropped])


def _unpaired(
    olds: list[int], news: list[int], pairs: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """The old items and the new items that no pair takes, in order."""
    paired_old = {i for i, _ in pairs}
    paired_new = {j for _, j in pairs}
    return [i for i in olds if i not in paired_old], [j for j in news if j not in paired_new]


def _moves(
    old: list[str], new: list[str], blocks: list[tuple[int, int, int, int]]
) -> list[tuple[int, int]]:
    """Items removed in one place and added, identical, in another: (old, new) pairs."""
    gone: dict[str, deque[int]] = {}
    for i1, i2, _, _ in blocks:
        for i in range(i1, i2):
            gone.setdefault(old[i], deque()).append(i)
    moves = []
    for _, _, j1, j2 in blocks:
        for j in range(j1, j2):
            if gone.get(new[j]):
                moves.append((gone[new[j]].popleft(), j))
    return moves


def _pair(
    old: list[list[str]],
    new: list[list[str]],
    olds: list[int],
    news: list[int],
    similarity: Similarity,
    threshold: float,
) -> list[tuple[int, int]]:
    """Pair old and new items, most similar first, without crossing (reading order kept)."""
    new_sets = {j: set(new[j]) for j in news}
    scored = []
    for i, js in _candidates(olds, news):
        for j in _likely(set(old[i]), js, new_sets, threshold):
            score = similarity(old[i], new[j])
            if score >= threshold:
                scored.append((-score, i, j))
    chain = _Chain(max(olds, default=0) + 1)
    for _, i, j in sorted(scored):
        chain.take(i, j)
    return sorted(chain.pairs)


class _Chain:
    """Pairs in reading order: a pair is taken only if it neither crosses nor shares an item
    with any pair taken before.

    Two Fenwick trees over the old indices hold the new indices taken, so that the pairs
    nearest an old index on either side are found in O(log n): checking each new pair against
    every pair taken made pairing quadratic (16,000 edited paragraphs took 48 s).
    """

    def __init__(self, size: int) -> None:
        self.pairs: list[tuple[int, int]] = []
        self._size = size
        self._taken: set[int] = set()
        self._before = [_NONE] * (size + 1)  # highest new index taken, by old index
        self._after = [_NONE] * (size + 1)  # the same of -(new index), by old index reversed

    def take(self, i: int, j: int) -> None:
        """Take (i, j) if every pair taken before is before it, or after it, in both texts."""
        if i in self._taken or _highest(self._before, i) >= j:
            return
        if -_highest(self._after, self._size - 1 - i) <= j:
            return
        self.pairs.append((i, j))
        self._taken.add(i)
        _raise(self._before, i, j)
        _raise(self._after, self._size - 1 - i, -j)


_NONE = -(1 << 62)  # no pair: lower than any index, and than any index negated


def _raise(tree: list[int], position: int, value: int) -> None:
    """Raise `position` to at least `value` in a Fenwick tree of prefix maxima."""
    position += 1
    while position < len(tree):
        tree[position] = max(tree[position], value)
        position += position & -position


def _highest(tree: list[int], end: int) -> int:
    """The highest value at the positions before `end` in a Fenwick tree of prefix maxima."""
    best = _NONE
    while end > 0:
        best = max(best, tree[end])
        end -= end & -end
    return best


def _candidates(olds: list[int], news: list[int]) -> Iterator[tuple[int, list[int]]]:
    """Each old item with the new items it may pair with: all, or nearby ones in a huge block."""
    if len(olds) * len(news) <= MAX_PAIRS:
        yield from ((i, news) for i in olds)
        return
    band = max(1, MAX_PAIRS // (2 * len(olds)))
    for rank, i in enumerate(olds):
        centre = rank * len(news) // len(olds)
        yield i, news[max(0, centre - band) : centre + band + 1]


def _likely(
    words: set[str], news: list[int], new_sets: dict[int, set[str]], threshold: float
) -> list[int]:
    """The few new items sharing most words with an old one (a cheap bound on similarity)."""
    bounds = []
    for j in news:
        other = new_sets[j]
        if words and other:
            bound = len(words & other) / min(len(words), len(other))
            if bound >= threshold:
                bounds.append((-bound, j))
    return [j for _, j in sorted(bounds)[:CANDIDATES_PER_ITEM]]


def _word_ratio(a: list[str], b: list[str], budget: Budget) -> float:
    """difflib's ratio on words, after its own cheap upper bounds."""
    return ratio(a, b, budget, at_least=SENTENCE_EDIT_RATIO)


def _paragraph_similarity(a: list[str], b: list[str], budget: Budget) -> float:
    """Word ratio, or the share of the shorter paragraph kept inside the longer one."""
    kept = matched(a, b, budget)
    share = 2 * kept / (len(a) + len(b))
    if min(len(a), len(b)) < _CONTAINMENT_MIN_WORDS:
        return share
    return max(share, kept / min(len(a), len(b)))


# --- applying and ordering


def _paragraph_slots(
    operations: Sequence[ParagraphOp],
) -> tuple[dict[int, str], set[int]]:
    """New paragraphs given whole by the operations, and the old ones they consume."""
    filled: dict[int, str] = {}
    consumed: set[int] = set()
    for op in operations:
        if op.unit != "paragraph":
            continue
        if op.kind in ("added", "moved") and op.new_index is not None:
            filled[op.new_index] = op.new
        if op.kind in ("removed", "moved") and op.old_index is not None:
            consumed.add(op.old_index)
    consumed |= {i for i, _ in _sentence_groups(operations)}
    return filled, consumed


def _sentence_groups(
    operations: Sequence[ParagraphOp],
) -> dict[tuple[int, int], list[ParagraphOp]]:
    """Sentence operations by edited paragraph pair (old index, new index)."""
    groups: dict[tuple[int, int], list[ParagraphOp]] = {}
    for op in operations:
        if op.unit == "sentence" and op.old_index is not None and op.new_index is not None:
            groups.setdefault((op.old_index, op.new_index), []).append(op)
    return groups


def _apply_sentences(old: list[str], operations: list[ParagraphOp]) -> list[str]:
    """The new sentences of one edited paragraph."""
    filled = {
        op.new_sentence: op.new
        for op in operations
        if op.kind != "removed" and op.new_sentence is not None
    }
    consumed = {
        op.old_sentence for op in operations if op.kind != "added" and op.old_sentence is not None
    }
    kept = _untouched(len(old), consumed, filled)
    return [filled[t] if t in filled else old[kept[t]] for t in range(len(kept) + len(filled))]


def _untouched(n_old: int, consumed: set[int], filled: dict[int, str] | set[int]) -> dict[int, int]:
    """Old items no operation touched, in order, on the new slots no operation fills: new -> old."""
    olds = [i for i in range(n_old) if i not in consumed]
    slots = (j for j in range(len(olds) + len(filled)) if j not in filled)
    return dict(zip(slots, olds, strict=False))


def _kept(n_old: int, operations: Sequence[ParagraphOp]) -> dict[int, int]:
    """Old paragraphs left alone or edited in place or elsewhere: old index -> new index."""
    filled, consumed = _paragraph_slots(operations)
    kept = {i: j for j, i in _untouched(n_old, consumed, filled).items()}
    return kept | {i: j for i, j in _sentence_groups(operations)}


def reordered(n_old: int, operations: Sequence[ParagraphOp]) -> bool:
    """True if paragraphs kept, moved or edited come in another order than before (a
    paragraph moved, edited or not on the way)."""
    kept = _kept(n_old, operations) | {
        op.old_index: op.new_index
        for op in operations
        if op.kind == "moved"
        and op.unit == "paragraph"
        and op.old_index is not None
        and op.new_index is not None
    }
    news = [kept[i] for i in sorted(kept)]
    return any(a > b for a, b in pairwise(news))


def _order_key(
    old: list[str], operations: list[ParagraphOp]
) -> Callable[[ParagraphOp], tuple[float, int, float]]:
    """Reading order of the new version; a removal sits where its old neighbours went."""
    anchor = _anchors(_kept(len(old), operations))

    def key(op: ParagraphOp) -> tuple[float, int, float]:
        if op.unit == "paragraph":
            if op.kind == "removed":
                return anchor(op.old_index), 0, 0.0
            return float(op.new_index or 0), 1, 0.0
        if op.new_sentence is not None:
            return float(op.new_index or 0), 1, float(op.new_sentence)
        return float(op.new_index or 0), 1, (op.old_sentence or 0) - 0.5

    return key


def _anchors(kept: dict[int, int]) -> Callable[[int | None], float]:
    """Where a removal sits: just after the furthest new position of the kept old paragraphs
    before it (found by bisection; a walk over all of them for each removal was quadratic)."""
    olds = sorted(kept)
    furthest = list(accumulate((kept[i] for i in olds), max))

    def anchor(index: int | None) -> float:
        before = 0 if index is None else bisect_left(olds, index)
        return (furthest[before - 1] if before else -1) + 0.5

    return anchor
