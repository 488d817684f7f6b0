"""What a page states about itself: its elements by name, <meta> values, the JSON-LD article
object, <link>s; read once, for the metadata readers."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

from bs4 import Tag

from worker.extract._text import attr, clean

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "techarticle",
        "report",
        "socialmediaposting",
    }
)


@dataclass(frozen=True)
class Page:
    """The elements of a parsed page, walked once: all in document order and by name."""

    tags: list[Tag]
    named: dict[str, list[Tag]]

    def all(self, name: str) -> list[Tag]:
        return self.named.get(name, [])

    def first(self, name: str) -> Tag | None:
        found = self.named.get(name)
        return found[0] if found else None


def meta_values(page: Page) -> dict[str, list[str]]:
    """Every <meta> content keyed by its lower-cased name, property or itemprop."""
    metas: dict[str, list[str]] = {}
    for tag in page.all("meta"):
        content = clean(attr(tag, "content") or attr(tag, "value"))
        if not content:
            continue
        for key_attr in ("name", "property", "itemprop", "http-equiv"):
            for key in attr(tag, key_attr).lower().split():
                metas.setdefault(key, []).append(content)
    return metas


def meta_texts(metas: dict[str, list[str]], keys: tuple[str, ...]) -> list[str]:
    """Text values under any of `keys`, with entities that pages escape twice decoded."""
    return [clean(unescape(value)) for key in keys for value in metas.get(key, [])]


def json_ld_article(page: Page) -> dict:
    """The first JSON-LD object of an article type, found in lists and @graph too."""
    for script in page.all("script"):
        if "ld+json" not in attr(script, "type").lower():
            continue
        for obj in _json_objects(_load_json(script.get_text())):
            types = obj.get("@type")
            names = types if isinstance(types, list) else [types]
            if any(isinstance(name, str) and name.lower() in ARTICLE_TYPES for name in names):
                return obj
    return {}


def _load_json(text: str) -> object:
    """Parse JSON-LD leniently: comments, CDATA wrappers and trailing commas are tolerated."""
    text = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$", "", text)
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            data = json.loads(candidate, strict=False)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            continue
        return _without_lone_surrogates(data) if _SURROGATE_ESCAPE.search(candidate) else data
    return None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(data: object) -> object:
    """JSON may escape half of a surrogate pair alone ("\\ud800"); such a string cannot be
    encoded, stored or hashed. Each is replaced by U+FFFD (valid pairs are whole already)."""
    text = json.dumps(data, ensure_ascii=False)
    return json.loads(_SURROGATE.sub("\ufffd", text))


def _json_objects(data: object) -> Iterator[dict]:
    """Every dict in a JSON-LD document, breadth-first through lists and @graph."""
    queue = deque([data])
    while queue:
        item = queue.popleft()
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            if "@graph" in item:
                queue.append(item["@graph"])


def ld_str(ld: dict, key: str) -> str:
    value = ld.get(key)
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return clean(unescape(value)) if isinstance(value, str) else ""


def ld_text(ld: dict, key: str) -> str:
    value = ld.get(key)
    return value if isinstance(value, str) else ""


def absolute_url(base: str, href: str) -> str | None:
    href = clean(href)
    if not href:
        return None
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def link_tag(page: Page, rel: str) -> Tag | None:
    """The first <link> of a rel type that has an href."""
    for link in page.all("link"):
        if rel in attr(link, "rel").lower().split() and link.has_attr("href"):
            return link
    return None


def index_of(tags: list[Tag], wanted: Tag) -> int:
    return next(index for index, tag in enumerate(tags) if tag is wanted)
