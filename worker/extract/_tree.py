"""Plain walks over a BeautifulSoup tree.

bs4's `find_all` runs every node through its generic filter machinery, which cost more than
parsing the page; these walks do the same jobs several times faster.
"""

from __future__ import annotations

from collections.abc import Collection

from bs4 import Tag


def elements(root: Tag, names: Collection[str] | None = None) -> list[Tag]:
    """The elements below `root` in document order, only those named `names` if given."""
    if names is None:
        return [node for node in root.descendants if isinstance(node, Tag)]
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in names]


def first(root: Tag, names: Collection[str]) -> Tag | None:
    """The first element below `root` named one of `names`."""
    for node in root.descendants:
        if isinstance(node, Tag) and node.name in names:
            return node
    return None


def by_name(tags: list[Tag]) -> dict[str, list[Tag]]:
    """Elements grouped by tag name, each group in document order."""
    groups: dict[str, list[Tag]] = {}
    for tag in tags:
        groups.setdefault(tag.name, []).append(tag)
    return groups
