"""Diffs between stored versions: the HTML stored with a change when there is one, else
computed on request and kept in a small LRU (stored versions never change, so it never goes
stale).

Any visitor may ask for any pair of versions, and a comparison holds the GIL while it runs. So
each is bounded by the diff's budget (see `worker.diff`), computed one at a time (a burst of
requests for one pair computes it once; a request served from the memo never waits) and kept.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from worker import diff
from worker.models import Change as ChangeRow
from worker.store import Store, snapshot_article
from worker.types import Change
from worker.web.inplace import Paragraph, in_place

MEMO_ENTRIES = 64  # diffs kept, of each kind (compared, rendered)
MEMO_CHARACTERS = 20_000_000  # and the text they hold at most: a few of the largest pages

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class Diffs:
    """Compares and renders pairs of stored versions for the pages, the API and the feeds."""

    def __init__(self, store: Store, memo: int = MEMO_ENTRIES) -> None:
        self.store = store
        self._changes = _Memo[tuple[int, int, int], Change | None](memo, _change_size)
        self._pages = _Memo[tuple[int, int, int, str], str | None](memo, _page_size)
        self._texts = _Memo[tuple[int, int, int], list[Paragraph]](memo, _text_size)

    def compared(self, watch_id: int, from_version: int, to_version: int) -> Change | None:
        """What changed between two versions (None if nothing did), compared once."""
        key = (watch_id, from_version, to_version)
        return self._changes.get(key, lambda: self._compare(*key))

    def html(self, watch_id: int, from_version: int, to_version: int, mode: str) -> str | None:
        """The rendered diff of two versions, or None when they do not differ."""
        if mode == "inline" and from_version + 1 == to_version:
            row = self.store.change_between(watch_id, from_version, to_version)
            if row is not None and row.rendered_html:
                return row.rendered_html
        return self._rendered(watch_id, from_version, to_version, mode)

    def in_place(self, watch_id: int, from_version: int, to_version: int) -> list[Paragraph]:
        """The text of `to_version` with the changes since `from_version` marked in place."""
        key = (watch_id, from_version, to_version)
        return self._texts.get(key, lambda: self._lay_over(*key))

    def _lay_over(self, watch_id: int, from_version: int, to_version: int) -> list[Paragraph]:
        old = snapshot_article(self.store.version_of(watch_id, from_version))
        new = snapshot_article(self.store.version_of(watch_id, to_version))
        change = self.compared(watch_id, from_version, to_version) if old != new else None
        return in_place(old, new, change)

    def of_change(self, row: ChangeRow) -> str:
        """A stored change's diff for feeds: stored HTML, else rendered now (once)."""
        if row.rendered_html:
            return row.rendered_html
        if row.kind in {"edit", "revert"} and row.from_version != row.to_version:
            assert row.watch_id is not None
            rendered = self._rendered(row.watch_id, row.from_version, row.to_version, "inline")
            if rendered is not None:
                return rendered
        return f'<p class="nw-summary">{html.escape(row.summary)}</p>'

    def _rendered(self, watch_id: int, from_version: int, to_version: int, mode: str) -> str | None:
        """The diff of two versions rendered in `mode` (None if they do not differ), once."""
        key = (watch_id, from_version, to_version, mode)
        return self._pages.get(key, lambda: self._render(*key))

    def _compare(self, watch_id: int, from_version: int, to_version: int) -> Change | None:
        """Load both versions and compare them (NotFoundError for a missing one)."""
        old = self.store.version_of(watch_id, from_version)
        new = self.store.version_of(watch_id, to_version)
        return diff.compare(snapshot_article(old), snapshot_article(new))

    def _render(self, watch_id: int, from_version: int, to_version: int, mode: str) -> str | None:
        """Render the (memoised) comparison of two versions."""
        change = self.compared(watch_id, from_version, to_version)
        return None if change is None else diff.render_html(change, mode)


class _Memo(Generic[Key, Value]):
    """A small LRU of computed values: at most `entries` of them and `characters` of text
    (as `size` counts it), each computed once, one at a time."""

    def __init__(
        self, entries: int, size: Callable[[Value], int], characters: int = MEMO_CHARACTERS
    ) -> None:
        self._values: OrderedDict[Key, tuple[Value, int]] = OrderedDict()
        self._entries = entries
        self._size = size
        self._limit = characters
        self._characters = 0
        self._lookup = threading.Lock()
        self._computing = threading.Lock()  # one computation at a time holds the GIL

    def get(self, key: Key, compute: Callable[[], Value]) -> Value:
        """The value kept for `key`, or the one `compute` returns, then kept."""
        kept = self._find(key)
        if kept is not None:
            return kept[0]
        with self._computing:
            kept = self._find(key)  # computed meanwhile, for the request this one waited on
            if kept is not None:
                return kept[0]
            value = compute()
            self._keep(key, value)
            return value

    def _find(self, key: Key) -> tuple[Value, int] | None:
        with self._lookup:
            kept = self._values.get(key)
            if kept is not None:
                self._values.move_to_end(key)
            return kept

    def _keep(self, key: Key, value: Value) -> None:
        """Keep `value`, dropping the least recently used beyond the bounds (a value bigger
        than the whole memo is not kept)."""
        size = self._size(value)
        if size > self._limit:
            return
        with self._lookup:
            self._values[key] = (value, size)
            self._characters += size
            while len(self._values) > self._entries or self._characters > self._limit:
                _, (_, dropped) = self._values.popitem(last=False)
                self._characters -= dropped


def _change_size(change: Change | None) -> int:
    """Characters of text a change holds: its fields, operations and word runs."""
    if change is None:
        return 0
    fields = sum(len(field.old) + len(field.new) for field in change.field_changes)
    operations = sum(
        len(op.old) + len(op.new) + sum(len(text) for _, text in op.words)
        for op in change.operations
    )
    return fields + operations


def _text_size(paragraphs: list[Paragraph]) -> int:
    return sum(len(text) for paragraph in paragraphs for text, _ in paragraph.runs)


def _page_size(page: str | None) -> int:
    return len(page or "")
