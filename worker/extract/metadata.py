"""Article metadata: JSON-LD first, then OpenGraph and <meta> tags, then the visible page."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html import unescape
from itertools import islice
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from worker.extract._dates import MAX_LENGTH as MAX_DATE
from worker.extract._dates import Stamp, parse_stamp, settle, zone_of
from worker.extract._text import attr, class_and_id, clean, text_of
from worker.extract._tree import by_name, elements, first, texts, walk
from worker.types import DateNote

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

_TITLE_KEYS = (
    "dc:title",
    "og:title",
    "twitter:title",
    "parsely-title",
    "dc.title",
    "citation_title",
)
_SUBTITLE_KEYS = (
    "dc:description",
    "og:description",
    "description",
    "twitter:description",
    "dc.description",
)
# The article's own author keys first: a plain `author` meta is often the whole site's
# (a publisher such as 'Condé Nast' beside article:author 'Larry Fitzmaurice').
_AUTHOR_KEYS = (
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc:creator",
    "dc.creator",
    "citation_author",
    "author",
    "byl",
)
_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
    "citation_date",
    "dc.date.issued",
    "dc.date",
    "date",
    "pubdate",
    "publish-date",
    *("publishdate", "publish_date", "pub_date", "published_time", "og:published_time"),
    *("article.published", "article_date_original", "dcterms.created", "dc.date.created"),
    *("cxenseparse:recs:publishtime", "release_date", "date.published"),
)
_MODIFIED_KEYS = (
    *("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified"),
    *("dcterms.modified", "article.updated", "article_date_updated", "lastmod", "modified_time"),
)
_IMAGE_KEYS = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » ", " / ", " ~ ")
_BYLINE_PREFIX = re.compile(
    r"^\s*((written|reported|posted|story|text|words)\s+)?(by|von|par|por|door|di|af|av)"
    # 'By Jane Doe', and 'ByJane Doe' where the markup ran the two together:
    r"(\b[:\s]*|(?-i:(?<=[bB]y)(?=[A-Z][a-z])))",
    re.IGNORECASE,
)
_URL_NOTE = re.compile(r"\(?\s*(https?://|www\.)\S*\s*\)?")
_CREDENTIALS = frozenset({"ma", "md", "phd", "ms", "mph", "rn", "bsc", "msc", "jr", "sr", "do"})
_AGENCIES = frozenset(
    {
        *("afp", "ap", "associated press", "reuters", "dpa", "ansa", "efe", "pa", "xinhua"),
        *("tass", "ria novosti", "bloomberg", "upi", "aap", "kyodo", "anp", "belga", "sda"),
    }
)
# 'and' in the languages of the bylines we meet; 'y' and 'e' only as lower-case words between
# spaces, so that the initial in 'Laura E. Adkins' stays part of her name.
# 'Gillman, Steve': one person written surname first (two single capitalised words).
_LAST_FIRST = re.compile(r"^([A-Z][\w'’-]+), ([A-Z][\w'’-]+)$")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\b(?i:and|und|et)\b)\s*|\s+(?:y|e)\s+")
_NOT_A_NAME = re.compile(
    r"\d|@|https?:|www\.|\b(updated|published|posted|staff|reporter|correspondent|editor|"
    r"minutes?|hours?|ago|read|share|follow|email)\b",
    re.IGNORECASE,
)
# Words of page chrome that byline-like elements hold instead of a name.
_NOT_A_BYLINE = re.compile(
    r"\b(about|author|sign|log|subscribe|profile|more|view|notes?|contact|bio|control|"
    r"exclusives?)\b|\*",
    re.IGNORECASE,
)
_LEAD_CLASS = re.compile(
    r"(^|[-_])(lead|lede|standfirst|subtitle|subheadline|subhead|dek|deck|summary|intro|"
    r"strapline|excerpt|sapo|chapo|description)($|[-_])",
    re.IGNORECASE,
)
_DATELINE_CLASS = re.compile(r"date|time|posted|published|updated|byline|meta", re.IGNORECASE)
_CREDIT = re.compile(r"credit|copyright|caption", re.IGNORECASE)
_BYLINE_CLASS = re.compile(
    r"byline|author|writtenby|p-author|(^|[-_\s])(writer|reporter|autor|auteur|firma)($|[-_\s])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Metadata:
    """Everything about an article page except its body."""

    title: str = ""
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    canonical_url: str | None = None
    language: str | None = None
    site_name: str | None = None
    image: str | None = None
    image_caption: str | None = None
    standfirst: str = ""  # the visible lead element, which the body must not repeat
    dates: tuple[tuple[str, DateNote], ...] = ()
    article_body: str = ""  # JSON-LD's articleBody, as the page states it


@dataclass(frozen=True)
class _Page:
    """The elements of a parsed page, walked once: all in document order and by name."""

    tags: list[Tag]
    named: dict[str, list[Tag]]

    def all(self, name: str) -> list[Tag]:
        return self.named.get(name, [])

    def first(self, name: str) -> Tag | None:
        found = self.named.get(name)
        return found[0] if found else None


def read_metadata(soup: BeautifulSoup, url: str) -> Metadata:
    """Read the metadata of a parsed page, preferring structured data over visible text."""
    tags = elements(soup)
    page = _Page(tags, by_name(tags))
    metas = _meta_values(page)
    ld = _json_ld_article(page)
    site_name = _site_name(metas, ld)
    image = _image(page, metas, ld, url)
    standfirst = _lead_element_text(page)
    language = _language(page, metas, ld)
    published, modified, dates = _dates(page, metas, ld, language)
    return Metadata(
        title=_title(page, metas, ld, site_name, url),
        subtitle=_subtitle(page, metas, ld, standfirst),
        authors=_authors(page, metas, ld, _site_marks(site_name, url)),
        published=published,
        modified=modified,
        canonical_url=_canonical(page, metas, ld, url),
        language=language,
        site_name=site_name,
        image=image,
        image_caption=_image_caption(page, image),
        standfirst=standfirst,
        dates=dates,
        article_body=_ld_text(ld, "articleBody"),
    )


# --- sources -----------------------------------------------------------------------------


def _meta_values(page: _Page) -> dict[str, list[str]]:
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


def _values(metas: dict[str, list[str]], keys: tuple[str, ...]) -> list[str]:
    """Text values under any of `keys`, with entities that pages escape twice decoded."""
    return [clean(unescape(value)) for key in keys for value in metas.get(key, [])]


def _json_ld_article(page: _Page) -> dict:
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


def _ld_str(ld: dict, key: str) -> str:
    value = ld.get(key)
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return clean(unescape(value)) if isinstance(value, str) else ""


def _ld_text(ld: dict, key: str) -> str:
    value = ld.get(key)
    return value if isinstance(value, str) else ""


# --- fields ------------------------------------------------------------------------------


def _site_name(metas: dict[str, list[str]], ld: dict) -> str | None:
    names = [*metas.get("og:site_name", []), _ld_str(ld, "publisher")]
    return next((name for name in [*names, *metas.get("application-name", [])] if name), None)


def _title(page: _Page, metas: dict[str, list[str]], ld: dict, site: str | None, url: str) -> str:
    """The headline: structured data first, else the <h1> that <title> repeats, else <title>."""
    title_tag = page.first("title")
    page_title = text_of(title_tag) if title_tag else ""
    headings = [text_of(h1) for h1 in page.all("h1")[:5]]
    shown = [h for h in headings if _squash(h) and _squash(h) in _squash(page_title)]
    heading = max(shown, key=len, default="")
    structured = [_ld_str(ld, "headline"), _ld_str(ld, "name"), *_values(metas, _TITLE_KEYS)]
    structured = [candidate for candidate in structured if candidate]
    seen = _squash(f"{page_title} {' '.join(headings)}")
    # A JSON-LD headline that neither <title> nor an <h1> shows is often a tagline.
    agreed = [c for c in structured if _squash(strip_site_name(c, site, url, heading)) in seen]
    for candidate in [*agreed, *structured, heading]:
        if candidate:
            return _uncut(strip_site_name(candidate, site, url, heading), page_title)
    if page_title:
        return _drop_last_part(strip_site_name(page_title, site, url, heading))
    return next((h for h in headings if h), "")


def _uncut(title: str, page_title: str) -> str:
    """The <title> when a meta headline is its start cut at a quote the page left unescaped
    (content="Biden de "incapacitado"" ends at 'de ')."""
    rest = page_title[len(title) :] if title and page_title.startswith(title) else ""
    if rest.lstrip()[:1] in _QUOTES and len(rest.strip()) > 2:
        return clean(title + rest.split(" | ")[0].split(" - ")[0])
    return title


_QUOTES = frozenset("\"'“”„«»")


def _drop_last_part(title: str) -> str:
    """'Headline | Section | Site' -> 'Headline | Section', when the rest keeps 3+ words."""
    for sep in _SEPARATORS:
        head, found, _ = title.rpartition(sep)
        if found and len(head.split()) >= 3:
            return head.strip()
    return title


def strip_site_name(title: str, site: str | None, url: str, h1: str = "") -> str:
    """Drop a ' | Site' or ' - Site' suffix (or 'Site | ' prefix) that <title> often adds."""
    marks = _site_marks(site, url)
    changed = True
    while changed:
        changed = False
        for sep in _SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head and (_is_site(tail, marks) or _squash(head) == _squash(h1)):
                title, changed = head.strip(), True
                break
            first, found, rest = title.partition(sep)
            if found and rest and _is_site(first, marks):
                title, changed = rest.strip(), True
                break
    return title


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _site_marks(site: str | None, url: str) -> set[str]:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = [label for label in host.split(".") if len(label) > 2 and label not in {"com", "org"}]
    marks = {_squash(host), *labels}
    if site:
        marks.add(_squash(site))
    return {mark for mark in marks if mark}


def _is_site(text: str, marks: set[str]) -> bool:
    squashed = _squash(text)
    if not squashed or len(text.split()) > 6:
        return False
    return any(
        squashed == mark
        or (mark in squashed and len(squashed) <= 2 * len(mark))
        or (len(squashed) > 3 and squashed in mark)
        for mark in marks
    )


def _subtitle(page: _Page, metas: dict[str, list[str]], ld: dict, standfirst: str) -> str:
    """The standfirst: the page's own description first, else a visible lead element."""
    for value in (_ld_str(ld, "description"), *_values(metas, _SUBTITLE_KEYS)):
        if value:
            return value
    return standfirst


def _lead_element_text(page: _Page) -> str:
    """A visible standfirst/lead element close after the <h1>."""
    h1 = page.first("h1")
    if h1 is None:
        return ""
    start = _index_of(page.tags, h1) + 1
    for tag in page.tags[start : start + 40]:
        if tag.name in {"p", "div", "h2", "span", "section"} and any(
            _LEAD_CLASS.search(token) for token in attr(tag, "class").split()
        ):
            text = text_of(tag)
            if 20 <= len(text) <= 600 and not elements(tag, {"figure", "figcaption"}):
                return text
    return ""


def _authors(page: _Page, metas: dict[str, list[str]], ld: dict, site: set[str]) -> tuple[str, ...]:
    """Person names; an agency such as AFP only when nobody else is named; never the site."""
    people, orgs = _ld_authors(ld)
    profiles = [v for v in _values(metas, _AUTHOR_KEYS) if v.startswith("http")]
    sources: list[Callable[[], tuple[str, ...]]] = [
        lambda: people,
        lambda: _meta_names(metas),
        lambda: _names(_linked_names(page, profiles)),
        lambda: _names(_visible_bylines(page, site)),
    ]
    agencies: tuple[str, ...] = ()
    for source in sources:  # the first that names a person; an agency only if none does
        found = tuple(name for name in source() if not _is_site(name, site))
        if any(name.lower() not in _AGENCIES for name in found):
            return found
        agencies = agencies or found
    return agencies or tuple(name for name in orgs if not _is_site(name, site))


def _meta_names(metas: dict[str, list[str]]) -> tuple[str, ...]:
    """The names under the first author key that holds names (profile URLs are no names)."""
    for key in _AUTHOR_KEYS:
        names = _names([v for v in _values(metas, (key,)) if not v.startswith("http")])
        if names:
            return names
    return ()


def _linked_names(page: _Page, profiles: list[str]) -> list[str]:
    """The text of the page's links to the author pages a <meta name=author> gives as URLs."""
    wanted = {url.rstrip("/").split("://", 1)[-1] for url in profiles[:5]}
    if not wanted:
        return []
    found = []
    for anchor in page.all("a"):
        href = attr(anchor, "href").strip().rstrip("/").split("://", 1)[-1]
        if href in wanted:
            found.append(text_of(anchor))
    return list(dict.fromkeys(name for name in found if 0 < len(name) < 100))


def _ld_authors(ld: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Person and organisation author names from JSON-LD."""
    people: list[str] = []
    orgs: list[str] = []
    raw = ld.get("author") or ld.get("creator") or []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = _ld_str(item, "name")
            kind = str(item.get("@type", "")).lower()
            (orgs if "organization" in kind else people).append(name)
    return _names(people), _names(orgs)


def _visible_bylines(page: _Page, site: set[str]) -> list[str]:
    """Names from the first byline element that names a person (else an agency's); the
    site's own name is no person ('Sam Stein, The Huffington Post' names Sam Stein)."""
    agencies: list[str] = []
    h1 = page.first("h1")
    start = _index_of(page.tags, h1) if h1 is not None else 0
    # The article's own byline follows its headline; one before it is often a menu's.
    for tag in [*page.tags[start:], *page.tags[:start]]:
        if not _is_byline(tag):
            continue
        text = _first_line(_head_text(_name_part(tag)))
        if _NOT_A_BYLINE.search(text):
            continue
        names = [
            n for n in (_names([text]) if 0 < len(text) < 100 else ()) if not _is_site(n, site)
        ]
        people = [name for name in names if name.lower() not in _AGENCIES]
        if people:
            return people
        agencies = agencies or list(names)
    return agencies or _by_line(page.tags[start : start + _BY_LINE_REACH], site)


_BY_LINE_REACH = 400  # elements after the headline looked at for a 'By ...' line
_BY = re.compile(r"^\s*by\b", re.IGNORECASE)


def _by_line(tags: list[Tag], site: set[str]) -> list[str]:
    """Names from the first short 'By Jane Doe and John Roe' line after the headline, for
    pages whose byline carries no telling class (generated CSS names)."""
    for tag in tags:
        first = next((c for c in tag.contents if isinstance(c, str) and c.strip()), None)
        if first is None or not _BY.match(first):
            continue
        alone = len(first.strip()) <= 3 and len(tag.contents) == 1  # <span>By</span> <span>...
        line = tag.parent if alone else tag
        if line is None or not _small(line):
            continue
        text = re.split(r"\s[|•·—–-]\s", clean(line.get_text(" ")))[0]
        names = [n for n in _names([text]) if not _is_site(n, site)] if len(text) < 120 else []
        if names and not _NOT_A_BYLINE.search(text):
            return names
    return []


def _small(tag: Tag, limit: int = 30) -> bool:
    """Whether an element holds at most `limit` nodes (counted only up to the limit)."""
    return sum(1 for _ in islice(tag.descendants, limit + 1)) <= limit


def _first_line(text: str) -> str:
    """The first non-empty line of a byline, before any ' | ' or ' - ' that starts a date."""
    for line in text.splitlines():
        line = clean(re.split(r"\s[|•·—–-]\s", line)[0])
        if line:
            return line
    return ""


_HEAD_TEXT = 1000  # characters of a byline element read: its first line is all that counts
_HEAD_TAGS = 300  # elements of a byline element searched for its name part


def _head_text(tag: Tag) -> str:
    """The start of `tag`'s text, read no further than needed: bylines nest in bylines, and
    reading each one whole would be quadratic on a hostile page."""
    parts, size = [], 0
    for text in texts(tag, 20 * _HEAD_TAGS):
        parts.append(text)
        size += len(text)
        if size >= _HEAD_TEXT:
            break
    return "".join(parts)[:_HEAD_TEXT]


def _name_part(byline: Tag) -> Tag:
    inner = [node for node in walk(byline, _HEAD_TAGS) if isinstance(node, Tag)]
    for key, value in (("itemprop", "name"), ("rel", "author")):
        found = next((tag for tag in inner if value in attr(tag, key).lower().split()), None)
        if found is not None:
            return found
    return byline


def _is_byline(tag: Tag) -> bool:
    return (
        "author" in attr(tag, "rel").lower()
        or "author" in attr(tag, "itemprop").lower()
        or bool(_BYLINE_CLASS.search(class_and_id(tag)))
    )


def _is_name(text: str) -> bool:
    if not text or _NOT_A_NAME.search(text) or len(text.split()) > 5:
        return False
    if " " not in text and text.islower():
        return False  # a user name such as 'mikecason', not how a byline writes a person
    return text.lower().replace(".", "") not in _CREDENTIALS


def _names(values: list[str]) -> tuple[str, ...]:
    """Person names from byline strings: 'By A, B and C' -> (A, B, C), duplicates dropped."""
    names: dict[str, str] = {}
    for value in values:
        value = _URL_NOTE.sub(" ", unescape(clean(value)))
        value = _LAST_FIRST.sub(r"\2 \1", value)
        for part in _AUTHOR_SPLIT.split(_BYLINE_PREFIX.sub("", clean(value))):
            name = _BYLINE_PREFIX.sub("", part).strip(" .|-–—:")
            if _is_name(name):
                names.setdefault(name.lower(), name)
    return tuple(names.values())


def _dates(
    page: _Page, metas: dict[str, list[str]], ld: dict, language: str | None
) -> tuple[datetime | None, datetime | None, tuple[tuple[str, DateNote], ...]]:
    """Published and modified, timezone-aware UTC, and how the page stated each."""
    published = _stamps([_ld_str(ld, "datePublished"), *_values(metas, _PUBLISHED_KEYS)], language)
    published += _stamps(_microdata(page, "datepublished"), language)
    times = [attr(tag, "datetime") or text_of(tag)[:MAX_DATE] for tag in page.all("time")[:5]]
    shown = _stamps(times, language)
    modified = _stamps([_ld_str(ld, "dateModified"), *_values(metas, _MODIFIED_KEYS)], language)
    modified += _stamps(_microdata(page, "datemodified"), language)
    zone = _page_zone([*published, *modified, *shown], page)
    found: dict[str, tuple[datetime, DateNote]] = {}
    for name, stamps in (("published", published or shown), ("modified", modified)):
        if stamps:
            found[name] = settle(_most_precise(stamps), zone)
    when = {name: value for name, (value, _) in found.items()}
    notes = tuple((name, note) for name, (_, note) in found.items())
    return when.get("published"), when.get("modified"), notes


def _microdata(page: _Page, prop: str) -> list[str]:
    """Values of itemprop elements that are not <meta> (those are read with the metas)."""
    tags = (
        tag for tag in page.tags if tag.name != "meta" and attr(tag, "itemprop").lower() == prop
    )
    found = (
        attr(tag, "content") or attr(tag, "datetime") or text_of(tag)[:MAX_DATE] for tag in tags
    )
    return list(found)[:3]


def _stamps(values: list[str], language: str | None) -> list[Stamp]:
    parsed = (parse_stamp(value, language) for value in values[:12] if value)
    return [stamp for stamp in parsed if stamp is not None]


def _most_precise(stamps: list[Stamp]) -> Stamp:
    """The first stamp, or a later one that gives the time of the same day."""
    first = stamps[0]
    if first.precision == "time":
        return first
    same_day = (s for s in stamps if s.precision == "time" and s.when.date() == first.when.date())
    return next(same_day, first)


def _page_zone(stamps: list[Stamp], page: _Page) -> timezone | None:
    """The UTC offset the page states: that of one of its dates, else of a visible dateline."""
    for stamp in stamps:
        offset = stamp.when.utcoffset() if stamp.precision == "time" else None
        if offset is not None:
            return timezone(offset)
    datelines = [tag for tag in page.all("time")[:10]]
    datelines += [tag for tag in page.tags if _DATELINE_CLASS.search(attr(tag, "class"))][:30]
    for tag in datelines:
        text = text_of(tag)
        zone = zone_of(text) if len(text) < 200 else None
        if zone is not None:
            return zone
    return None


def _canonical(page: _Page, metas: dict[str, list[str]], ld: dict, url: str) -> str | None:
    link = _link(page, "canonical")
    candidates = [attr(link, "href") if link else "", *metas.get("og:url", []), _ld_str(ld, "url")]
    for candidate in candidates:
        absolute = _absolute(url, candidate)
        if absolute:
            return absolute
    return None


def _absolute(base: str, href: str) -> str | None:
    href = clean(href)
    if not href:
        return None
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _link(page: _Page, rel: str) -> Tag | None:
    """The first <link> of a rel type that has an href."""
    for link in page.all("link"):
        if rel in attr(link, "rel").lower().split() and link.has_attr("href"):
            return link
    return None


def _language(page: _Page, metas: dict[str, list[str]], ld: dict) -> str | None:
    html = page.first("html")
    candidates = [
        attr(html, "lang") if html else "",
        attr(html, "xml:lang") if html else "",
        *metas.get("content-language", []),
        *metas.get("language", []),
        _ld_str(ld, "inLanguage"),
        *metas.get("og:locale", []),
    ]
    for candidate in candidates:
        code = clean(candidate).replace("_", "-").split(",")[0].strip()
        if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
            return code
    return None


def _image(page: _Page, metas: dict[str, list[str]], ld: dict, url: str) -> str | None:
    link = _link(page, "image_src")
    own = [value for key in _IMAGE_KEYS for value in metas.get(key, [])]
    candidates = [*own, _ld_image(ld), attr(link, "href") if link else ""]
    for candidate in candidates:
        absolute = _absolute(url, candidate)
        if absolute:
            return absolute
    return None


def _ld_image(ld: dict) -> str:
    image = ld.get("image")
    if isinstance(image, list) and image:
        image = image[0]
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl") or ""
    return image if isinstance(image, str) else ""


def _image_caption(page: _Page, image: str | None) -> str | None:
    """The caption and credit of the lead image, read from its <figure>."""
    figures = page.all("figure")[:5]
    stem = _image_stem(image)
    matching = [fig for fig in figures if stem and stem in str(first(fig, {"img"}) or "")]
    for figure in matching or figures[:1]:
        text = _figure_text(figure)
        if text:
            return text
    return None


def _image_stem(image: str | None) -> str:
    if not image:
        return ""
    name = urlsplit(image).path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if len(name) > 4 else ""


def _figure_text(figure: Tag) -> str:
    inner = elements(figure)
    parts = [text_of(tag) for tag in inner if tag.name == "figcaption"]
    for tag in inner:
        if tag.name == "figcaption" or not _CREDIT.search(attr(tag, "class")):
            continue
        if not any(parent.name == "figcaption" for parent in tag.parents):
            parts.append(text_of(tag))
    return clean(" ".join(dict.fromkeys(part for part in parts if part)))


def _index_of(tags: list[Tag], wanted: Tag) -> int:
    return next(index for index, tag in enumerate(tags) if tag is wanted)
