"""Diffs between stored versions: the HTML stored with a change when there is one, else
computed once per process (stored versions never change, so the memo never goes stale)."""

from __future__ import annotations

import html
from functools import lru_cache

from worker import diff
from worker.models import Change as ChangeRow
from worker.store import Store, snapshot_article
from worker.types import Change


class Diffs:
    """Compares and renders pairs of stored versions for the pages, the API and the feeds."""

    def __init__(self, store: Store, memo: int = 512) -> None:
        self.store = store
        self.compared = lru_cache(maxsize=memo)(self._compare)

    def _compare(self, watch_id: int, from_version: int, to_version: int) -> Change | None:
        old = self.store.version_of(watch_id, from_version)
        new = self.store.version_of(watch_id, to_version)
        return diff.compare(snapshot_article(old), snapshot_article(new))

    def html(self, watch_id: int, from_version: int, to_version: int, mode: str) -> str | None:
        """The rendered diff of two versions, or None when they do not differ."""
        if mode == "inline" and from_version + 1 == to_version:
            row = self.store.change_between(watch_id, from_version, to_version)
            if row is not None and row.rendered_html:
                return row.rendered_html
        change = self.compared(watch_id, from_version, to_version)
        return None if change is None else diff.render_html(change, mode)

    def of_change(self, row: ChangeRow) -> str:
        """A stored change's diff for feeds: stored HTML, else rendered now (once)."""
        if row.rendered_html:
            return row.rendered_html
        if row.kind in {"edit", "revert"} and row.from_version != row.to_version:
            assert row.watch_id is not None
            change = self.compared(row.watch_id, row.from_version, row.to_version)
            if change is not None:
                return diff.render_html(change)
        return f'<p class="nw-summary">{html.escape(row.summary)}</p>'
