"""A budget of work for one comparison, and difflib under it.

difflib is pure Python and holds the GIL. On long or repetitive sequences (a 10,000-word
paragraph, 'a b a b ...') its longest-match search grows with the product of their lengths,
and a page with thousands of edited paragraphs asks for thousands of word diffs: one hostile
page would stall every thread. So one comparison gets a `Budget` of steps (a step is about a
fifth of a microsecond of work), shared by all its matchers and analyses. While it lasts the
results are difflib's own; a search it cannot pay for is not run, and the two sequences are
compared by their common start and end only (the middle one replaced block), or, to pair
paragraphs, by the words they share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import Match, SequenceMatcher
from itertools import repeat

MIN_STEPS = 1_000_000  # about a fifth of a second; normal articles need under 300,000
STEPS_PER_WORD = 10  # and more for a long page, in proportion to its words
_SETUP_STEPS = 10  # a matcher, beyond one step per item indexed
_SEARCH_STEPS = 25  # a longest-match search, beyond one step per item it looks at

Opcode = tuple[str, int, int, int, int]
Items = Sequence[Hashable]


class Budget:
    """Steps of work left to one comparison, shared by all its matchers and analyses."""

    def __init__(self, steps: int, whole: Budget | None = None) -> None:
        self.steps = steps
        self._whole = whole

    @classmethod
    def for_words(cls, words: int) -> Budget:
        """The budget of a comparison of texts of `words` words in all."""
        return cls(MIN_STEPS + STEPS_PER_WORD * words)

    def share(self, fraction: float) -> Budget:
        """A budget for one part of the work: `fraction` of the steps left at most, each
        step taken from this budget too."""
        return Budget(int(self.steps * fraction), whole=self)

    def afford(self, steps: int) -> bool:
        """Take `steps` if they are left; else take nothing (smaller work may still fit)."""
        if steps > self.steps or (self._whole is not None and not self._whole.afford(steps)):
            return False
        self.steps -= steps
        return True


class _OverBudgetError(Exception):
    """A search would cost more steps than the budget has left."""


class _Matcher(SequenceMatcher):
    """A SequenceMatcher that pays for indexing and for each longest-match search up front."""

    def __init__(self, a: Items, b: Items, budget: Budget, autojunk: bool) -> None:
        self.budget = budget
        self.pay(_SETUP_STEPS + len(a) + len(b))
        super().__init__(None, a, b, autojunk)

    def pay(self, steps: int) -> None:
        """Take `steps` from the budget, or stop the comparison of these two sequences."""
        if not self.budget.afford(steps):
            raise _OverBudgetError

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> Match:
        ahi = len(self.a) if ahi is None else ahi
        self.pay(self._cost(alo, ahi))
        return super().find_longest_match(alo, ahi, blo, bhi)

    def _cost(self, alo: int, ahi: int) -> int:
        """Steps of one search: each item of a[alo:ahi] against its every occurrence in b."""
        found = map(self.b2j.get, self.a[alo:ahi], repeat(()))
        return _SEARCH_STEPS + ahi - alo + sum(map(len, found))


def opcodes(a: Items, b: Items, budget: Budget) -> list[Opcode]:
    """difflib's opcodes turning `a` into `b`; past the budget, the common start and end
    equal and the middle replaced."""
    try:
        return _Matcher(a, b, budget, autojunk=False).get_opcodes()
    except _OverBudgetError:
        return _trimmed(a, b)


def matched(a: Items, b: Items, budget: Budget) -> int:
    """How many items difflib matches; past the budget, how many the two share in any order
    (an upper bound: long paragraphs with scattered edits still pair, and are then compared
    sentence by sentence)."""
    try:
        return sum(block.size for block in _Matcher(a, b, budget, False).get_matching_blocks())
    except _OverBudgetError:
        return _shared(a, b)


def ratio(a: Items, b: Items, budget: Budget, at_least: float, autojunk: bool = False) -> float:
    """difflib's ratio, or 0.0 once its cheap upper bounds fall under `at_least`; past the
    budget, the share of the common start and end."""
    try:
        matcher = _Matcher(a, b, budget, autojunk)
        if matcher.real_quick_ratio() < at_least:
            return 0.0
        matcher.pay(len(a) + len(b))  # the quick ratio counts both sequences
        if matcher.quick_ratio() < at_least:
            return 0.0
        return matcher.ratio()
    except _OverBudgetError:
        return 2 * sum(_common_ends(a, b)) / (len(a) + len(b))  # not both empty: those fit


def _shared(a: Items, b: Items) -> int:
    """How many items of `a` are in `b`, each as often as it is in both (a multiset meet)."""
    unmatched = Counter(a)
    unmatched.subtract(b)
    return len(a) - sum(count for count in unmatched.values() if count > 0)


def _trimmed(a: Items, b: Items) -> list[Opcode]:
    """Opcodes of the common start and end kept, all between them replaced."""
    start, end = _common_ends(a, b)
    a_end, b_end = len(a) - end, len(b) - end
    middle = {(True, True): "replace", (True, False): "delete", (False, True): "insert"}
    runs = [("equal", 0, start, 0, start)] if start else []
    if (start < a_end, start < b_end) in middle:
        runs.append((middle[start < a_end, start < b_end], start, a_end, start, b_end))
    if end:
        runs.append(("equal", a_end, len(a), b_end, len(b)))
    return runs


def _common_ends(a: Items, b: Items) -> tuple[int, int]:
    """Lengths of the common start and of the common end (not overlapping it)."""
    start = _common_start(a, b)
    return start, _common_start(a[start:][::-1], b[start:][::-1])


def _common_start(a: Items, b: Items) -> int:
    """Length of the common start of `a` and `b`, by halving: slices compare in C, so the
    fallback stays cheap on sequences of any size."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
