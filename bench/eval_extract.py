"""Accuracy of worker.extract on corpora of real pages with expected extractions.

Usage: python bench/eval_extract.py [CORPUS ...] [--why] [--verbose] [--worst N] [--page NAME]
                                    [--news]

Each CORPUS is a folder; without one, every corpus under ../shared/testdata (revisions aside) and
fixtures/seed. The format is read per page:
  readability  PAGE/source.html + expected.html + expected-metadata.json (Readability.js' tests)
  news         PAGE/source.html + expected.json: url, title, authors, published, body,
               body_snippets_with, body_snippets_without, language (a key absent: no expectation)
  seed         NAME.html + NAME.expected.json, the project's fixtures (body a list of paragraphs)
Each page goes through worker.extract.article(html, url), the url from the expectation or
http://fakehost/PAGE/.

Body, where a full text is expected (expected.html, 'body'): word 4-gram shingles of our
paragraphs against it, counting repeats. Per page, precision = shared / ours and recall = shared /
expected; each is averaged over the pages and F1 is the harmonic mean of the two averages.
Snippets, where only segments are expected: the share of body_snippets_with found in our body
(whitespace and case collapsed) and how many body_snippets_without are wrongly found in it. A
snippet we keep out of the body on purpose counts as found and is shown as excused: it is in our
headline, lead or image caption, or in a figure, caption or credit of the page, or it is our
body's opening after a photo caption, credit or dateline that the corpus kept ('(Photo: ...)
Houston has promoted ...', Postlight's own caveat).

Metadata, on the pages that carry the field (`-` in the table: the page does not):
  title  headline vs expected title; a ' - Site' part that we drop on purpose may be missing
         (the rest must match word for word)
  author Readability: each of our names occurs in "byline" (an empty list is right when the byline
         is only the site name). Lists of names: every name of ours is one of the expected names and
         every expected name of two words or more is among ours (the words of one name within the
         other's: 'By Jane Doe' ~ 'Jane Doe')
  date   published vs expected: the same instant (within a minute) when both carry a time zone,
         else the same day; a UTC instant of ours matches any day it falls on from UTC-12 to UTC+14
         (the page's local day is unknown once converted)
  lang   language vs expected language
  lead   subtitle vs Readability's "excerpt" or the seed's subtitle, on pages with a description
  canon  canonical_url vs the page's own <link rel=canonical> or og:url
  image  image vs the page's own og:image or twitter:image
Each column shows `.` for right, `X` for wrong, `~` where EXPECTED_WRONG says the expected
value itself is wrong. Flags: `ERR` an internal error (reason 'extraction failed: ...'); `naive`
published or modified without a time zone; else the page's reason when it has one.

News pages: every page of the news corpora and the seed; in readability, NEWS_PAGES below, every
article page of a news publisher. The others are Readability's synthetic test cases, blogs,
documentation, wikis, fiction and product pages, and nytimes-5, a section front page.
The worst news pages (by F1, or snippet recall) close the output, with one line on what went
wrong; --why adds the expected paragraphs we miss and ours that are not expected.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from html import unescape
from pathlib import Path
from time import perf_counter
from urllib.parse import urljoin

import lxml.html
from bs4 import BeautifulSoup
from dateutil import parser as dateparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker.extract import article
from worker.types import Article

_ROOT = Path(__file__).resolve().parents[1]
_DEFAULT = _ROOT.parent / "shared" / "testdata"
TESTDATA = Path(os.environ.get("NEWSWATCH_TESTDATA", _DEFAULT))
SEED = _ROOT / "fixtures" / "seed"

NEWS_PAGES = frozenset({
    "aktualne", "article-author-tag", "ars-1", "bbc-1", "breitbart", "bug-1255978", "buzzfeed-1",
    "citylab-1", "cnet", "cnet-svg-classes", "cnn", "engadget", "folha", "gmw", "guardian-1",
    "heise", "herald-sun-1", "la-nacion", "lazy-image-2", "lemonde-1", "liberation-1",
    "lifehacker-post-comment-load", "lifehacker-working", "medicalnewstoday", "msn", "nytimes-1",
    "nytimes-2", "nytimes-3", "nytimes-4", "qq", "quanta-1", "salon-1",
    "schema-org-context-object", "seattletimes-1", "telegraph", "theverge", "tmz-1", "videos-1",
    "videos-2", "wapo-1", "wapo-2", "webmd-1", "webmd-2", "wikia", "wordpress", "yahoo-1",
    "yahoo-2", "yahoo-3", "yahoo-4", "youth",
})  # fmt: skip
# Where the expected value itself is wrong (shown as `~`, not counted): (page, field).
EXPECTED_WRONG = {
    # Three headlines (<title>, og:title, <h1>); we keep the visible <h1>, Readability og:title.
    ("citylab-1", "title"),
    # Readability's byline is that of a related-story teaser; article:author names Laurie Oakes.
    ("herald-sun-1", "author"),
    # Readability's byline is a dateline, a date and a 'Follow Author' button, not a name.
    ("seattletimes-1", "author"),
    ("spiceworks", "author"),
    ("royal-road", "author"),
    # goose-go's expected texts that are not the article (checked by hand; ours is):
    ("inc.com", "body"),  # the site's login modal and teaser headlines
    ("edition.cnn.com", "body"),  # one sentence of the article
    ("globoesporte.globo.com", "body"),  # runs on into the 'sobre São Paulo' teaser feed
}
FIELDS = ("title", "author", "date", "lang", "lead", "canon", "image")
MIDNIGHT = time(0, 0)  # ours at 00:00 is a date without a time: compared by day
# Corpora whose instants are not the page's own: Postlight assumed a zone where the page gives a
# local time without one (its README: compare with a tolerance of a day).
DATE_TOLERANCE = {"postlight-parser": timedelta(days=1)}
LOW = 0.5  # pages under this F1 (or snippet recall) are listed per corpus

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+")
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|»|«|/)\s+|\s*_|\s+(?=\[)")
_BLOCKS = (
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "dt", "dd",
    "figcaption", "div", "section", "article", "br", "tr", "ul", "ol", "table", "hr",
)  # fmt: skip
_BREAK = "\ue000"  # a private-use character: a block boundary


def words(text: str | None) -> list[str]:
    """Lower-cased words; each CJK character counts as a word."""
    return _TOKEN.findall((text or "").lower())


def normalise(text: str | None) -> str:
    return " ".join(words(text))


def collapse(text: str | None) -> str:
    """Whitespace collapsed and lower case: how snippets are compared."""
    return " ".join((text or "").split()).lower()


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Word n-grams of a text with their counts."""
    tokens = words(text)
    return Counter(tuple(tokens[i : i + size]) for i in range(max(len(tokens) - size + 1, 1)))


def body_scores(expected: str, body: tuple[str, ...]) -> tuple[float, float]:
    """Precision and recall of the body's shingles against the expected text's (with repeats)."""
    want, got = shingles(expected), shingles(" ".join(body))
    shared = sum((want & got).values())
    precision = shared / sum(got.values()) if body else 0.0
    return precision, shared / sum(want.values())


def html_paragraphs(html: str) -> list[str]:
    """The text of each block of an HTML fragment, in document order."""
    tree = lxml.html.fromstring(html or "<div></div>")
    for element in tree.iter(*_BLOCKS):
        element.text = _BREAK + (element.text or "")
        element.tail = _BREAK + (element.tail or "")
    pieces = (" ".join(piece.split()) for piece in tree.text_content().split(_BREAK))
    return [piece for piece in pieces if piece]


def uncovered(paragraphs: list[str] | tuple[str, ...], other: list[str] | tuple[str, ...]):
    """The paragraphs of which less than half the word 4-grams occur in the other text."""
    text = " ".join(other)
    grams, flat = set(shingles(text)), normalise(text)
    missing = []
    for paragraph in paragraphs:
        count = len(words(paragraph))
        if not count:
            continue
        if count < 4:
            found = normalise(paragraph) in flat
        else:
            own = set(shingles(paragraph))
            found = len(own & grams) >= len(own) / 2
        if not found:
            missing.append(paragraph)
    return missing


# --- metadata judges: (expected, ours) -> right? ----------------------------------------------


def title_ok(expected: str, ours: Article) -> bool:
    parts = _TITLE_SEPARATOR.split(expected)
    accepted = {normalise(" - ".join(parts[:i])) for i in range(1, len(parts) + 1)}
    # 'Site | Headline': the site part is short. Readability also cuts a headline at its colon.
    accepted |= {normalise(" - ".join(parts[i:])) for i in range(len(parts)) if i < 2}
    got = normalise(ours.title)
    return got in accepted or any(got.endswith(f" {form}") for form in accepted if form)


def author_ok(expected: str, ours: Article, site: str = "") -> bool:
    """Readability's byline string: each of our names occurs in it."""
    byline = normalise(expected)
    if not ours.authors:
        return byline in {normalise(site), ""} or normalise(site) == byline.removeprefix("by ")
    return all(normalise(name) and normalise(name) in byline for name in ours.authors)


def _same_name(one: str, other: str) -> bool:
    """The words of one within the other's; a lone word matches only a lone word."""
    first, second = set(words(one)) - {"by"}, set(words(other)) - {"by"}
    small, large = sorted((first, second), key=len)
    return bool(small) and small <= large and (len(small) > 1 or small == large)


def names_ok(expected: list[str], ours: Article) -> bool:
    """A list of names: none of ours is unexpected, none of the expected people is missing."""
    required = [name for name in expected if len(words(name)) > 1] or expected
    invented = [n for n in ours.authors if not any(_same_name(n, e) for e in expected)]
    missed = [e for e in required if not any(_same_name(n, e) for n in ours.authors)]
    return not invented and not missed


def date_ok(expected: str, ours: Article, tolerance: timedelta = timedelta(minutes=1)) -> bool:
    """Published: the same instant when both sides carry a time zone, else the same day."""
    got = ours.published
    if got is None:
        return False
    try:
        want = dateparser.parse(expected)
    except (ValueError, OverflowError):
        return False
    timed = len(expected.strip()) > 10 and got.timetz().replace(tzinfo=None) != MIDNIGHT
    if timed and want.tzinfo and got.tzinfo:
        return abs(got - want) <= tolerance
    if got.tzinfo is None or got.utcoffset() != timedelta(0):
        return got.date() == want.date()
    # A UTC instant of ours: the page's own day is the one it falls on in some zone.
    return want.date() in {(got + timedelta(hours=hours)).date() for hours in (-12, 0, 14)}


def lang_ok(expected: str, ours: Article) -> bool:
    return (ours.language or "").lower().split("-")[0] == expected.lower().split("-")[0]


def lead_ok(expected: str, ours: Article) -> bool:
    want, got = normalise(unescape(expected)), normalise(ours.subtitle)
    return bool(got) and (got == want or got.startswith(want))


def canon_ok(expected: str, ours: Article) -> bool:
    return ours.canonical_url == expected


def image_ok(expected: str, ours: Article) -> bool:
    return ours.image == expected


JUDGES: dict[str, Callable[[str, Article], bool]] = {
    "title": title_ok,
    "author": author_ok,
    "date": date_ok,
    "lang": lang_ok,
    "lead": lead_ok,
    "canon": canon_ok,
    "image": image_ok,
}


def page_tags(html: str, url: str) -> dict[str, str]:
    """Canonical URL and lead image as the page's own tags give them (read with lxml)."""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return {}
    found: dict[str, str] = {}
    canonical = tree.xpath("//link[contains(@rel, 'canonical')]/@href") or tree.xpath(
        "//meta[@property='og:url']/@content"
    )
    image = tree.xpath("//meta[@property='og:image' or @name='og:image']/@content") or tree.xpath(
        "//meta[@name='twitter:image' or @property='twitter:image']/@content"
    )
    for key, values in (("canon", canonical), ("image", image)):
        if values and values[0].strip():
            found[key] = urljoin(url, values[0].strip())
    described = tree.xpath(
        "//meta[contains(@name, 'description') or contains(@property, 'description')]/@content"
    )
    scripts = " ".join(tree.xpath("//script[contains(@type, 'ld+json')]/text()"))
    if any(value.strip() for value in described) or '"description"' in scripts:
        found["described"] = "yes"
    return found


_DATE_META = re.compile(r"date|time|pub|issued|created", re.IGNORECASE)
_LD_DATE = re.compile(r'"(date(?:Published|Modified|Created)|uploadDate)"\s*:\s*"([^"]{4,60})"')


def raw_dates(html: str) -> list[tuple[str, str]]:
    """(where, text) of the date strings a page carries: <meta>, JSON-LD, <time datetime>."""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found = []
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        value = (meta.get("content") or meta.get("value") or "").strip()
        if value and _DATE_META.search(key) and any(c.isdigit() for c in value):
            found.append((f"meta {key}", value))
    found += [(f"ld {key}", value) for key, value in _LD_DATE.findall(html)]
    found += [("time", t.get("datetime").strip()) for t in tree.iter("time") if t.get("datetime")]
    return found


def naive_sources(html: str, value: datetime) -> list[str]:
    """The page's date strings that read as this naive value (all of them when none does)."""
    carried = raw_dates(html)
    matching = []
    for where, text in carried:
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError, TypeError, LookupError):
            continue
        if parsed.tzinfo is None and parsed.replace(microsecond=0) == value.replace(microsecond=0):
            matching.append(f"{where}={text!r}")
    return matching or [f"{where}={text!r}" for where, text in carried[:4]] or ["(none found)"]


# --- pages of a corpus -------------------------------------------------------------------------


@dataclass
class Page:
    corpus: str
    name: str
    source: Path
    url: str
    news: bool
    expected: dict[str, object] = field(default_factory=dict)
    body: str | None = None  # the full expected text
    paragraphs: list[str] = field(default_factory=list)  # the same, one paragraph each
    snippets: list[str] = field(default_factory=list)
    unwanted: list[str] = field(default_factory=list)


def _fakehost(name: str) -> str:
    return f"http://fakehost/{name}/"


def readability_page(corpus: str, folder: Path) -> Page:
    page = Page(corpus, folder.name, folder / "source.html", _fakehost(folder.name), True)
    page.news = folder.name in NEWS_PAGES
    expected_html = (folder / "expected.html").read_text(encoding="utf-8")
    page.body = BeautifulSoup(expected_html, "lxml").get_text(" ")
    page.paragraphs = html_paragraphs(expected_html)
    meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    keys = {"title": "title", "author": "byline", "date": "publishedTime", "lang": "lang"}
    page.expected = {name: str(meta[key]).strip() for name, key in keys.items() if meta.get(key)}
    page.expected["site"] = meta.get("siteName") or ""
    page.expected["excerpt"] = meta.get("excerpt") or ""
    return page


def news_page(corpus: str, name: str, source: Path, expected: dict) -> Page:
    """A page of a news corpus (expected.json) or of the seed (NAME.expected.json)."""
    page = Page(corpus, name, source, expected.get("url") or _fakehost(name), True)
    body = expected.get("body")
    if isinstance(body, list):
        page.paragraphs = [str(p).strip() for p in body if str(p).strip()]
    elif isinstance(body, str) and body.strip():
        page.paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
    if page.paragraphs:
        page.body = "\n\n".join(page.paragraphs)
    page.snippets = [s for s in expected.get("body_snippets_with", ()) if collapse(s)]
    page.unwanted = [s for s in expected.get("body_snippets_without", ()) if collapse(s)]
    keys = {"title": "title", "author": "authors", "date": "published", "lang": "language"}
    keys["lead"] = "subtitle"
    for name_, key in keys.items():
        value = expected.get(key)
        if value and name_ == "author":
            page.expected[name_] = [str(v).strip() for v in value if str(v).strip()]
        elif value:
            page.expected[name_] = str(value).strip()
    return page


def load_corpus(folder: Path) -> list[Page]:
    """Every page of a corpus folder, sorted by name, each in the format its files show."""
    corpus = folder.name
    if (folder / "source.html").is_file():  # one page folder given on its own
        folder, only = folder.parent, folder.name
        corpus = folder.name
    else:
        only = None
    pages = []
    for child in sorted(folder.iterdir()):
        if only and child.name != only:
            continue
        if child.is_dir() and (child / "source.html").is_file():
            if (child / "expected.json").is_file():
                expected = json.loads((child / "expected.json").read_text(encoding="utf-8"))
                pages.append(news_page(corpus, child.name, child / "source.html", expected))
            elif (child / "expected.html").is_file():
                pages.append(readability_page(corpus, child))
        elif child.name.endswith(".expected.json"):
            stem = child.name.removesuffix(".expected.json")
            if (folder / f"{stem}.html").is_file():
                expected = json.loads(child.read_text(encoding="utf-8"))
                pages.append(news_page(corpus, stem, folder / f"{stem}.html", expected))
    return pages


def default_corpora() -> list[Path]:
    found = sorted(p for p in TESTDATA.iterdir() if p.is_dir() and p.name != "revisions")
    return [*found, SEED] if TESTDATA.is_dir() else [SEED]


# --- one page, all pages -------------------------------------------------------------------


@dataclass
class Score:
    page: Page
    found: Article
    seconds: float
    precision: float | None = None
    recall: float | None = None
    hits: list[str] = field(default_factory=list)  # body_snippets_with found
    misses: list[str] = field(default_factory=list)  # body_snippets_with not found
    excused: dict[str, str] = field(default_factory=dict)  # not in the body, on purpose: why
    wrong: list[str] = field(default_factory=list)  # body_snippets_without found
    marks: dict[str, bool] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    naive: dict[str, list[str]] = field(default_factory=dict)  # field -> raw date strings

    @property
    def f1(self) -> float | None:
        if self.precision is None or self.recall is None:
            return None
        return f1(self.precision, self.recall)

    @property
    def snippet_recall(self) -> float | None:
        total = len(self.hits) + len(self.excused) + len(self.misses)
        return (len(self.hits) + len(self.excused)) / total if total else None

    @property
    def quality(self) -> float | None:
        """F1 where a full text is expected, else the snippet recall."""
        return self.f1 if self.f1 is not None else self.snippet_recall

    @property
    def error(self) -> bool:
        return (self.found.reason or "").startswith("extraction failed")


def expected_fields(page: Page, html: str) -> dict[str, object]:
    """The expected value of each metadata field the page carries."""
    found = {k: v for k, v in page.expected.items() if k in FIELDS}
    tags = page_tags(html, page.url)
    found |= {key: tags[key] for key in ("canon", "image") if key in tags}
    # Without a description Readability's excerpt is the first paragraph: the page has no lead.
    if page.expected.get("excerpt") and tags.get("described"):
        found["lead"] = page.expected["excerpt"]
    return found


def judge(name: str, expected: object, found: Article, site: str, corpus: str) -> bool:
    if name == "date":
        return date_ok(str(expected), found, DATE_TOLERANCE.get(corpus, timedelta(minutes=1)))
    if name == "author":
        if isinstance(expected, list):
            return names_ok(expected, found)
        return author_ok(str(expected), found, site)
    return JUDGES[name](str(expected), found)


def score_page(page: Page) -> Score:
    html = page.source.read_text(encoding="utf-8")
    started = perf_counter()
    found = article(html, page.url)
    score = Score(page, found, perf_counter() - started)
    if page.body is not None and (page.name, "body") not in EXPECTED_WRONG:
        score.precision, score.recall = body_scores(page.body, found.body)
    text = collapse(" ".join(found.body))
    for snippet in page.snippets:
        if collapse(snippet) in text:
            score.hits.append(snippet)
        elif excuse := _excuse(snippet, found, html):
            score.excused[snippet] = excuse
        else:
            score.misses.append(snippet)
    score.wrong = [snippet for snippet in page.unwanted if collapse(snippet) in text]
    for name, expected in expected_fields(page, html).items():
        if (page.name, name) in EXPECTED_WRONG:
            continue
        right = judge(name, expected, found, str(page.expected.get("site", "")), page.corpus)
        score.marks[name] = right
        if not right:
            shown = expected if isinstance(expected, list) else str(expected)[:70]
            score.why[name] = f"expected {shown!r}, got {_ours(found, name)!r}"
    for name in ("published", "modified"):
        value = getattr(found, name)
        if value is not None and value.utcoffset() is None:
            score.naive[name] = naive_sources(html, value)
    return score


def _ours(found: Article, name: str) -> object:
    attribute = {"author": "authors", "date": "published", "lang": "language", "lead": "subtitle"}
    attribute |= {"canon": "canonical_url"}
    value = getattr(found, attribute.get(name, name))
    return value.isoformat() if isinstance(value, datetime) else value


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def flags(score: Score) -> str:
    marks = ["ERR"] if score.error else []
    marks += ["naive"] if score.naive else []
    marks += [f"excused:{len(score.excused)}"] if score.excused else []
    if score.found.reason and not score.error:
        marks.append(score.found.reason)
    return " ".join(marks)


def _num(value: float | None, width: int = 6) -> str:
    return f"{value:{width}.3f}" if value is not None else f"{'-':>{width}}"


def _ratio(part: int, whole: int, width: int = 5) -> str:
    return f"{part}/{whole}".rjust(width) if whole else "-".rjust(width)


PAGE_HEADER = (
    f"{'page':34} {'news':4} {'prec':>6} {'recall':>6} {'f1':>6} {'snip':>5} {'w/o':>5}  "
    + " ".join(FIELDS)
    + f" {'ms':>6}  flags"
)


def print_page(score: Score) -> None:
    kind = "news" if score.page.news else ""
    marks = " ".join(f"{_mark(score, n):>{len(n)}}" for n in FIELDS)
    found = len(score.hits) + len(score.excused)
    snip = _ratio(found, found + len(score.misses))
    wrong = _ratio(len(score.wrong), len(score.page.unwanted))
    print(
        f"{score.page.name[:34]:34} {kind:4} {_num(score.precision)} {_num(score.recall)} "
        f"{_num(score.f1)} {snip} {wrong}  {marks} {score.seconds * 1000:6.1f}  {flags(score)}"
    )


def _mark(score: Score, name: str) -> str:
    if (score.page.name, name) in EXPECTED_WRONG:
        return "~"
    if name not in score.marks:
        return "-"
    return "." if score.marks[name] else "X"


# --- summaries ---------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _accuracy(scores: list[Score], name: str) -> str:
    judged = [s.marks[name] for s in scores if name in s.marks]
    return _ratio(sum(judged), len(judged), 7)


SUMMARY_HEADER = (
    f"{'corpus':18} {'pages':>5} {'news':>4} {'prec':>6} {'recall':>6} {'f1':>6} "
    f"{'snippets':>13} {'exc':>4} {'w/o':>7} {'title':>7} {'author':>7} {'date':>7} "
    f"{'err':>3} {'naive':>5} {'med ms':>6} {'p95 ms':>6}"
)


def print_summary(label: str, scores: list[Score]) -> None:
    if not scores:
        return
    bodies = [s for s in scores if s.precision is not None]
    precision = statistics.fmean(s.precision for s in bodies) if bodies else None
    recall = statistics.fmean(s.recall for s in bodies) if bodies else None
    body_f1 = f1(precision, recall) if bodies else None
    hits = sum(len(s.hits) + len(s.excused) for s in scores)
    total = hits + sum(len(s.misses) for s in scores)
    excused = sum(len(s.excused) for s in scores)
    snippets = f"{hits}/{total} {hits / total:4.0%}" if total else "-"
    wrong = _ratio(sum(len(s.wrong) for s in scores), sum(len(s.page.unwanted) for s in scores), 7)
    times = [s.seconds * 1000 for s in scores]
    print(
        f"{label[:18]:18} {len(scores):5} {sum(s.page.news for s in scores):4} "
        f"{_num(precision)} {_num(recall)} {_num(body_f1)} {snippets:>13} {excused:4} {wrong} "
        f"{_accuracy(scores, 'title')} {_accuracy(scores, 'author')} {_accuracy(scores, 'date')} "
        f"{sum(s.error for s in scores):3} {sum(bool(s.naive) for s in scores):5} "
        f"{statistics.median(times):6.1f} {percentile(times, 0.95):6.1f}"
    )


def print_metadata(label: str, scores: list[Score]) -> None:
    parts = [f"{name} {_accuracy(scores, name).strip()}" for name in FIELDS]
    print(f"{label[:18]:18} " + "  ".join(parts))


def low_pages(scores: list[Score]) -> list[str]:
    low = [s for s in scores if s.quality is not None and s.quality < LOW]
    return [f"{s.page.name} ({s.quality:.2f})" for s in sorted(low, key=_rank)]


def _rank(score: Score) -> tuple[float, int, str, str]:
    """Worst first: the lower F1 or snippet recall, then the more unwanted snippets found."""
    return (score.quality or 0.0, -len(score.wrong), score.page.corpus, score.page.name)


# --- what went wrong on a page ---------------------------------------------------------------


def _clip(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def diagnosis(score: Score) -> str:
    """One line on what went wrong on a page."""
    found = score.found
    if score.error:
        return f"internal error: {found.reason}"
    opening = f"reason {found.reason!r}, " if found.reason else ""
    if not found.body:
        return opening + "empty body"
    if score.precision is not None:
        missing = uncovered(score.page.paragraphs, found.body)
        extra = uncovered(found.body, score.page.paragraphs)
        parts = [f"{len(found.body)} paragraphs of ours"]
        if missing:
            parts.append(f"{len(missing)}/{len(score.page.paragraphs)} expected missing, first")
            parts[-1] += f" {_clip(missing[0], 60)!r}"
        if extra:
            parts.append(f"{len(extra)} not expected, first {_clip(extra[0], 60)!r}")
        return opening + "; ".join(parts)
    parts = [f"{len(found.body)} paragraphs of ours, first {_clip(found.body[0], 50)!r}"]
    if score.misses:
        parts.append(f"missing {_clip(score.misses[0], 50)!r}")
    if score.wrong:
        parts.append(f"unwanted found {_clip(score.wrong[0], 40)!r}")
    return opening + "; ".join(parts)


def _excuse(snippet: str, found: Article, html: str) -> str:
    """Why a snippet missing from the body is not a miss: we keep that text apart on purpose
    (headline, lead, image caption, a caption or credit of the page), or it is our body's opening
    after a photo caption or credit that the corpus kept ('(Photo: ...) Houston has promoted
    ...'; Postlight's caveat)."""
    wanted = collapse(snippet)
    for name in ("title", "subtitle", "image_caption"):
        ours = collapse(getattr(found, name) or "")
        if wanted in ours or (ours and set(wanted.split()) <= set(ours.split())):
            return f"in our {name}"
    tokens, opening = wanted.split(), collapse(" ".join(found.body))
    for start in range(1, len(tokens)):
        rest = " ".join(tokens[start:])
        if (len(tokens) - start >= 5 or len(rest) >= 20) and opening.startswith(rest):
            return f"our opening after {' '.join(tokens[:start])!r}"
    if any(wanted in text for text in _captions(html)):
        return "a caption or credit of the page"
    return ""


def _captions(html: str) -> list[str]:
    """The text of the page's figures, captions and credits, collapsed."""
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found = tree.xpath(
        "//figure | //figcaption | //*[contains(@class, 'caption') or contains(@class, 'Caption')"
        " or contains(@class, 'credit') or contains(@id, 'caption')]"
    )
    return [collapse(element.text_content()) for element in found]


def print_why(score: Score, limit: int = 8) -> None:
    if score.precision is not None:
        lists = {
            "expected, not ours": uncovered(score.page.paragraphs, score.found.body),
            "ours, not expected": uncovered(score.found.body, score.page.paragraphs),
        }
    else:
        lists = {
            "snippets missing": score.misses,
            "snippets excused": [f"{k} [{v}]" for k, v in score.excused.items()],
            "unwanted snippets found": score.wrong,
            "ours": list(score.found.body),
        }
    for label, paragraphs in lists.items():
        if not paragraphs:
            continue
        print(f"      {label} ({len(paragraphs)}):")
        for paragraph in paragraphs[:limit]:
            print(f"        - {_clip(paragraph)}")
        if len(paragraphs) > limit:
            print(f"        … and {len(paragraphs) - limit} more")


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, help="corpus folders (default: all)")
    parser.add_argument("--why", action="store_true", help="print what differed")
    parser.add_argument("--verbose", action="store_true", help="print the paragraphs found")
    parser.add_argument("--worst", type=int, default=15, help="how many worst news pages to list")
    parser.add_argument("--page", action="append", default=[], help="only this page (repeatable)")
    parser.add_argument("--news", action="store_true", help="only the news pages")
    args = parser.parse_args()
    results: dict[str, list[Score]] = {}
    for folder in args.corpora or default_corpora():
        pages = load_corpus(folder)
        pages = [
            p for p in pages if not args.page or {p.name, f"{p.corpus}/{p.name}"} & {*args.page}
        ]
        if not pages:
            print(f"{folder}: no pages", file=sys.stderr)
            continue
        label = pages[0].corpus
        while label in results:
            label += "'"
        news = sum(p.news for p in pages)
        print(f"== {label} ({folder}): {len(pages)} pages, {news} news")
        print(PAGE_HEADER)
        scores = results.setdefault(label, [])
        for page in pages:
            score = score_page(page)
            scores.append(score)
            print_page(score)
            for name, text in score.why.items() if args.why else ():
                print(f"    {name}: {text}")
            for name, raw in score.naive.items() if args.why else ():
                value = getattr(score.found, name).isoformat()
                print(f"    naive {name}: {value} from {', '.join(raw)}")
            for paragraph in score.found.body if args.verbose else ():
                print("    |", paragraph[:160])
        print()
    if not results:
        raise SystemExit("no pages found (set NEWSWATCH_TESTDATA or name corpus folders)")
    everything = [s for scores in results.values() for s in scores]
    print("== summary (body P/R averaged over the pages with a full expected text, F1 of the")
    print("   averages; snippets: body_snippets_with found; w/o: body_snippets_without found)")
    print(SUMMARY_HEADER)
    for label, scores in results.items():
        print_summary(label, scores)
        if any(not s.page.news for s in scores):
            print_summary(f"{label}/news", [s for s in scores if s.page.news])
    print_summary("ALL", everything)
    print_summary("ALL news", [s for s in everything if s.page.news])
    print()
    print("== metadata, all fields")
    for label, scores in results.items():
        print_metadata(label, scores)
    print_metadata("ALL", everything)
    print()
    print(f"== pages under {LOW} F1 (full text) or snippet recall")
    for label, scores in results.items():
        low = low_pages(scores)
        print(f"{label}: {len(low)}" + (": " + ", ".join(low) if low else ""))
    naive = [s for s in everything if s.naive]
    print()
    print(f"== naive datetimes: {len(naive)} pages")
    for score in naive:
        for name, raw in score.naive.items():
            value = getattr(score.found, name).isoformat()
            print(f"{score.page.corpus}/{score.page.name}: {name} {value} from {', '.join(raw)}")
    errors = [s for s in everything if s.error]
    print()
    print(f"== internal errors: {len(errors)} pages")
    for score in errors:
        print(f"{score.page.corpus}/{score.page.name}: {score.found.reason}")
    candidates = everything if args.page else [s for s in everything if s.page.news]
    ranked = sorted((s for s in candidates if s.quality is not None), key=_rank)
    ranked = ranked if args.page else ranked[: args.worst]
    print()
    print(f"== worst {len(ranked)} {'pages' if args.page else 'news pages'} (F1 or snippet recall)")
    for score in ranked:
        metric = "f1" if score.f1 is not None else "snippets"
        name = f"{score.page.corpus}/{score.page.name}"
        print(f"{name[:44]:44} {metric:8} {score.quality:.2f}  {diagnosis(score)}")
        if args.why:
            print_why(score)


if __name__ == "__main__":
    main()
