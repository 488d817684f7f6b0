"""Plain walks over a BeautifulSoup tree.

bs4's `find_all` runs every node through its generic filter machinery, which cost more than
parsing the page; these walks do the same jobs several times faster.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bs4 import NavigableString, PageElement, Tag


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


def walk(root: Tag, limit: int) -> Iterator[PageElement]:
    """The first `limit` nodes below `root` in document order, reading no further.

    bs4's `descendants` first looks for the last node of the subtree, a walk over all of it;
    this one costs only what it yields.
    """
    stack = [iter(root.contents)]
    count = 0
    while stack and count < limit:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        count += 1
        yield node
        if isinstance(node, Tag):
            stack.append(iter(node.contents))


def texts(root: Tag, limit: int = 1 << 62) -> Iterator[NavigableString]:
    """The text nodes below `root` (not comments or CDATA), from the first `limit` nodes of
    `walk`: as many as the caller reads, no more."""
    for node in walk(root, limit):
        if type(node) is NavigableString:
            yield node


def flatten_deep(root: Tag, depth: int) -> int:
    """Replace each element nested deeper than `depth` by its text; returns how many.

    Real articles nest a few dozen levels; a hostile page nests thousands, and every walk up
    or down such a chain is quadratic. The subtrees replaced are disjoint, so this is linear.
    """
    deep: list[Tag] = []
    stack = [(root, 0)]
    while stack:
        tag, level = stack.pop()
        for child in tag.contents:
            if not isinstance(child, Tag):
                continue
            if level + 1 > depth:
                deep.append(child)  # its own subtree is not walked: it becomes text
            else:
                stack.append((child, level + 1))
    for tag in deep:
        tag.replace_with(NavigableString(tag.get_text(" ")))
    return len(deep)
