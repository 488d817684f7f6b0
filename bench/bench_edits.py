"""End-to-end edit benchmark: real news pages, edited on a local server, checked by the CLI.

    python bench/bench_edits.py CORPUS [CORPUS ...] [--limit N] [--keep DIR]

CORPUS is a folder name under ../shared/testdata (readability, goose3, newspaper4k,
postlight-parser, trafilatura, goose-go) or a path. Every page's source.html is served from a
ThreadingHTTPServer on 127.0.0.1, each page at its own path, from a dict that the benchmark
changes between rounds. Conditional requests are honoured: each answer has an ETag (a hash of
the bytes) and a matching If-None-Match gets 304. The pages are watched with `newswatch watch
import` on a temporary SQLite database and config ([http] per_host_delay "0s",
per_host_concurrency 64, no alerts) and checked with one `newswatch check --all` per round:

- baseline: the page plus site furniture: a "Most read" <aside> of 5 links inside the article
  container, an "Updated 5 minutes ago" line and a "1,234 shares" counter before the first
  article paragraph, a CSRF token in a hidden input and a script nonce;
- edit rounds, each edit applied to the baseline page, checked, then reverted and checked
  again: body_words (3 consecutive words of an article paragraph replaced), paragraph_added (a
  new <p> after it), paragraph_removed, headline (a word of the headline replaced in <title>,
  og:/twitter: title metas, JSON-LD headline, <h1>/<h2> and other places that carry it),
  byline (the expected author's name swapped for another everywhere in the source);
- noise rounds, which must produce no change: each furniture kind rotated twice (new link
  titles, minutes, token and nonce, share count; an "Advertisement" <div class="ad"> inserted
  inside the article; a cache-busting ?v=N on image URLs), then set back.

The article paragraph is a visible <p> of 25 or more words that the corpus's expected body or
snippets show to be article text (for snippet-only corpora, also the long paragraphs that stand
together near a paragraph holding a snippet), whose text stands nowhere else on the page. A
check held with a body ("seen 1 of 3") is checked again until the guard keeps it, so that every
round starts from a clean state. Changes come from `changes --json`, watches from `watch list
--json`, and each page's check outcome from the JSON API of `newswatch serve`
(/api/watches/ID/checks): the CLI has no per-page command cheap enough for hundreds of pages a
round. Prints per corpus and overall: recall per edit kind (the right field), wrong fields,
false changes per noise kind, internal errors, held checks, pages without a baseline version,
then examples of missed edits and false changes with their diffs. `--keep DIR` keeps the
database, config and a results.json with every page's outcome in DIR.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import html.entities
import http.client
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT.parent / "shared" / "testdata"
NEWSWATCH = ROOT / ".venv" / "bin" / "newswatch"
CONFIRM_CHECKS = 3  # [guard] confirm_checks of the bench config
MIN_WORDS = 25
EXAMPLES = 20

EDITS = {  # edit kind -> the field a change must name
    "body_words": "body",
    "paragraph_added": "body",
    "paragraph_removed": "body",
    "headline": "title",
    "byline": "authors",
}
NOISE = ("most_read", "updated", "csrf_nonce", "ad", "share_counter", "image_query")
NOISE_STATES = (1, 2, 0)  # rotate twice, then back to the baseline's furniture

NEW_WORDS = ("seventeen", "amber", "lanterns")
NEW_CJK = "琥珀色灯"
NEW_SENTENCE = {
    "ja": "関係者によると、この決定に関する独立した調査の結果は来月中に全文が公表される予定だ。",
    "zh": "知情人士表示，有关这一决定的独立审查结果将于下个月全文公布，并附上相关证据。",
}
NEW_SENTENCE_DEFAULT = (
    "Officials said on Tuesday that an independent review of the decision would be published "
    "in full next month, together with the evidence behind it."
)
TITLE_WORDS = ("Lanterns", "Harbor", "Orchard", "Meadow")
NEW_AUTHOR = "Jordan Whitfield"
MOST_READ = (
    "Council approves budget for new city parks",
    "Storm closes schools across the region",
    "Local team wins championship after extra time",
    "Rail strike called off after late-night talks",
    "Museum returns stolen painting to family",
    "Heat wave breaks records in three provinces",
    "Central bank holds rates steady again",
    "Bridge repairs to last until the spring",
    "Hospital opens new children's ward",
    "Ferry service resumes after two-week halt",
    "Farmers warn of poor harvest this year",
    "Police appeal for witnesses to crash",
    "Airport expansion plan faces court challenge",
    "Library celebrates its hundredth birthday",
    "Election date set for early autumn",
)
UPDATED_MINUTES = (5, 17, 42)
SHARES = ("1,234", "1,301", "2,087")

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
CLOSES_P = frozenset(  # start tags that close an open <p>
    {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset"}
    | {"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header"}
    | {"hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"}
)
LOOSE_PLACES = frozenset(  # places that count when they read like the headline
    {"h1", "h2", "itemprop headline", "json-ld name", "json-ld alternativeHeadline"}
)
OWN_WORD_PLACES = frozenset(
    {"title", "h1", "og:title", "twitter:title", "json-ld headline", "itemprop headline"}
)
MASKING = frozenset({"noscript", "template", "textarea", "svg", "select", "button"})
TITLE_KEYS = frozenset(
    {"og:title", "twitter:title", "title", "headline", "sailthru.title", "parsely-title"}
    | {"parsely-page", "parsely-metadata"}  # JSON with the title in it
    | {"dc.title", "dcterms.title", "citation_title", "twitter:text:title"}
)
IMAGE_KEYS = frozenset(
    {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"}
)
_ATTR = re.compile(r"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_TAG = re.compile(r"<[^>]*>")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LETTERS = re.compile(r"[^\W\d_]{4,}")
_WORDY = re.compile(r"[^\W\d_]")
_MARKUP = re.compile(r"[&<>]")
_PUNCT = re.compile(r"([\"'(\[“‘«¿¡]*)(.*?)([.,;:!?\"')\]”’»]*)", re.S)
_UNIT = re.compile(r"&#[xX][0-9a-fA-F]+;|&#\d+;|&\w+;|.", re.S)
_JSON_TITLE = re.compile(r'"(headline|name|alternativeHeadline)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-"})


# ---------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Text for matching: NFKC, straight quotes, one space, lower case, no zero-width marks."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"[\u200b-\u200d\u2060\ufeff\u00ad]", "", text)
    return " ".join(text.split()).lower()


def word_count(text: str) -> int:
    """Words, with two CJK characters counted as one word."""
    return max(len(text.split()), len(_CJK.findall(text)) // 2)


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """Word n-grams of a normalised text."""
    words = text.split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def overlap(text: str, reference: set[tuple[str, ...]]) -> float:
    """Share of the text's word 4-grams found in the reference."""
    own = shingles(text)
    return len(own & reference) / len(own) if own else 0.0


def html_text(fragment: str) -> str:
    """The text of an HTML fragment."""
    return html.unescape(_TAG.sub(" ", fragment))


# ---------------------------------------------------------------- corpus


@dataclass
class Expected:
    """What a corpus expects of a page, normalised for matching."""

    title: str | None
    authors: list[str]
    body: str
    snippets: list[str]
    language: str | None
    body_shingles: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class Page:
    corpus: str
    name: str
    path: str
    html: str
    expected: Expected

    @property
    def label(self) -> str:
        return f"{self.corpus}/{self.name}"


def load_pages(corpora: Iterable[str], limit: int | None) -> list[Page]:
    """Every page of the corpora (a name under ../shared/testdata, or a folder)."""
    pages = []
    for corpus in corpora:
        folder = Path(corpus) if Path(corpus).is_dir() else TESTDATA / corpus
        if not folder.is_dir():
            sys.exit(f"bench_edits: no corpus {corpus!r} (looked in {folder})")
        dirs = sorted(d for d in folder.iterdir() if (d / "source.html").is_file())
        for page_dir in dirs[:limit]:
            path = f"/{quote(folder.name)}/{quote(page_dir.name)}/"
            source = (page_dir / "source.html").read_text(encoding="utf-8", errors="replace")
            pages.append(Page(folder.name, page_dir.name, path, source, _expected(page_dir)))
    return pages


def _expected(page_dir: Path) -> Expected:
    if (page_dir / "expected.json").is_file():
        data = json.loads((page_dir / "expected.json").read_text(encoding="utf-8"))
        body = data.get("body") or ""
        snippets = data.get("body_snippets_with") or []
        authors = data.get("authors") or []
        title, language = data.get("title"), data.get("language")
    else:
        meta_file = page_dir / "expected-metadata.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        expected_html = page_dir / "expected.html"
        body = (
            html_text(expected_html.read_text(encoding="utf-8")) if expected_html.is_file() else ""
        )
        snippets, authors = [], _byline_names(meta.get("byline") or "")
        title, language = meta.get("title"), meta.get("lang")
    body = normalise(body)
    return Expected(
        title=title,
        authors=[a for a in authors if isinstance(a, str) and a.strip()],
        body=body,
        snippets=[normalise(s) for s in snippets if isinstance(s, str)],
        language=(language or "").split("-")[0].lower() or None,
        body_shingles=shingles(body),
    )


def _byline_names(byline: str) -> list[str]:
    """Person names out of a Readability byline ("By Jane Roe and John Doe, Reporters")."""
    byline = re.sub(r"^\s*(by|von|par|por)\s+", "", byline.strip(), flags=re.I)
    parts = re.split(r"\s*(?:,|;|\||\band\b|&|\bund\b|\bet\b|\by\b)\s*", byline)
    return [p for p in parts if 2 <= len(p.split()) <= 4 and not any(c.isdigit() for c in p)]


# ---------------------------------------------------------------- page anatomy


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    start: int
    open_end: int
    parent: int
    hidden: bool
    aside: bool  # in a caption, a comment thread or other furniture: not article text
    close_start: int = -1
    close_end: int = -1
    text: list[str] = field(default_factory=list)

    @property
    def inner(self) -> tuple[int, int]:
        return self.open_end, self.close_start

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


class _TreeParser(HTMLParser):
    """Elements with their source offsets, parents and (for a few tags) text: a light tree
    builder that closes an open <p> where HTML would and pops to the matching end tag."""

    COLLECT = frozenset({"p", "h1", "title"})

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.elements: list[Element] = []
        self.stack: list[int] = []
        self.visible: list[str] = []  # all visible text, to tell a paragraph's other copies

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        raw = self.get_starttag_text() or ""
        if tag in CLOSES_P:
            self._close("p", start, start, implied=True)
        values = {name.lower(): value or "" for name, value in attrs}
        parent = self.stack[-1] if self.stack else -1
        hidden = (parent >= 0 and self.elements[parent].hidden) or _hides(tag, values)
        aside = (parent >= 0 and self.elements[parent].aside) or _sets_aside(tag, values)
        element = Element(tag, values, start, start + len(raw), parent, hidden, aside)
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(len(self.elements) - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.elements[self.stack[-1]].tag == tag:
            index = self.stack.pop()
            self.elements[index].close_start = self.elements[index].close_end = self._offset()

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        end = self.source.find(">", start) + 1 or len(self.source)
        self._close(tag, start, end, implied=False)

    def _close(self, tag: str, start: int, end: int, implied: bool) -> None:
        names = [self.elements[i].tag for i in self.stack]
        if tag not in names:
            return
        while self.stack:
            element = self.elements[self.stack.pop()]
            element.close_start = start
            element.close_end = start if implied or element.tag != tag else end
            if element.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.elements[self.stack[-1]].tag in {"script", "style"}:
            return
        if not (self.stack and self.elements[self.stack[-1]].hidden):
            self.visible.append(data)
        for index in reversed(self.stack):
            element = self.elements[index]
            if element.tag in self.COLLECT:
                element.text.append(data)
                break

    def close(self) -> None:
        super().close()
        for index in self.stack:
            self.elements[index].close_start = self.elements[index].close_end = len(self.source)


def _sets_aside(tag: str, attrs: dict[str, str]) -> bool:
    """A caption, an aside, or a comment thread (a class or id that starts with "comment")."""
    if tag in {"figcaption", "aside", "nav", "footer"}:
        return True
    names = f"{attrs.get('class', '')} {attrs.get('id', '')}".lower().split()
    return tag not in {"html", "body", "article", "main"} and any(
        name.startswith("comment") for name in names
    )


def _hides(tag: str, attrs: dict[str, str]) -> bool:
    style = attrs.get("style", "").replace(" ", "").lower()
    return (
        tag in MASKING
        or "hidden" in attrs
        or attrs.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


@dataclass
class Paragraph:
    element: Element
    text: str  # normalised
    basis: str  # why it is article text


@dataclass
class Splice:
    start: int
    end: int
    text: str


@dataclass
class Edit:
    splices: list[Splice]
    what: str
    detail: dict[str, Any] = field(default_factory=dict)


class Anatomy:
    """Where a page's article paragraphs, headline, byline and images stand in its source."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.source = page.html
        parser = _TreeParser(self.source)
        parser.feed(self.source)
        parser.close()
        self.elements = parser.elements
        self.visible = normalise("".join(parser.visible))
        self.paragraphs = self._article_paragraphs()
        # The edited paragraph: the middle one of those whose text stands nowhere else in the
        # visible page (editing a teaser or a second rendering leaves the article's text as is).
        single = [p for p in self.paragraphs if self._stands_once(p)]
        self.anchor = single[len(single) // 2] if single else None
        self.ambiguous = bool(self.paragraphs) and not single

    # -- article text

    def _article_paragraphs(self) -> list[Paragraph]:
        """Visible <p> elements of MIN_WORDS or more that the expected body shows to be the
        article; for snippet-only corpora also the long paragraphs that stand together near
        a paragraph holding a snippet (a snippet is often only the lead or a caption)."""
        visible = [
            index
            for index, e in enumerate(self.elements)
            if e.tag == "p" and not e.hidden and not e.aside and e.close_start > e.open_end
        ]
        texts = {index: normalise(self.elements[index].plain) for index in visible}
        matched = [index for index in visible if self._is_article(texts[index])]
        matched_set = set(matched)
        long = [index for index in visible if word_count(texts[index]) >= MIN_WORDS]
        direct = [index for index in long if index in matched_set]
        basis = "in expected body" if self.page.expected.body else "holds a snippet"
        found = {index: basis for index in direct}
        if not self.page.expected.body and len(direct) < 3:
            for index in matched:
                for near in self._group_near(index, long):
                    found.setdefault(near, "near a snippet paragraph")
        return [
            Paragraph(self.elements[index], texts[index], found[index]) for index in sorted(found)
        ]

    def _group_near(self, index: int, long: list[int]) -> set[int]:
        """The long paragraphs under the nearest ancestor that holds two or more of them,
        those of their most common parent."""
        ancestor = self.elements[index].parent
        for _ in range(6):
            if ancestor < 0:
                break
            outer = self.elements[ancestor]
            end = outer.close_end if outer.close_end >= 0 else len(self.source)
            inside = [j for j in long if outer.start <= self.elements[j].start < end]
            if len(inside) >= 2:
                parents = Counter(self.elements[j].parent for j in inside)
                top = parents.most_common(1)[0][0]
                return {j for j in inside if self.elements[j].parent == top}
            ancestor = outer.parent
        return set()

    def _is_article(self, text: str) -> bool:
        expected = self.page.expected
        if not text:
            return False
        if expected.body:
            return text in expected.body or overlap(text, expected.body_shingles) >= 0.8
        for snippet in expected.snippets:
            if len(snippet) >= 20 and (snippet in text or text in snippet):
                return True
            if len(shingles(snippet) & shingles(text)) >= 3:
                return True
        return False

    def _stands_once(self, paragraph: Paragraph) -> bool:
        """True if the middle of the paragraph's text is in the visible page only where the
        paragraph and its exact copies are."""
        words = paragraph.text.split()
        if len(words) >= 8:
            phrase = " ".join(words[len(words) // 2 - 4 : len(words) // 2 + 4])
        else:
            phrase = paragraph.text[len(paragraph.text) // 2 - 8 : len(paragraph.text) // 2 + 8]
        return self.visible.count(phrase) <= len(self.copies(paragraph))

    def copies(self, paragraph: Paragraph) -> list[Element]:
        """The paragraph and its visible twins (a page may carry the article twice)."""
        return [
            e
            for e in self.elements
            if e.tag == "p" and not e.hidden and normalise(e.plain) == paragraph.text
        ]

    # -- body edits

    def body_words(self) -> Edit | None:
        if self.anchor is None:
            return None
        splices, what = [], ""
        for element in self.copies(self.anchor):
            found = _replace_words(self.source, element)
            if found:
                splices.append(found[0])
                what = found[1]
        if not splices:
            return None
        return Edit(splices, f"{what} in paragraph {_quote(self.anchor.text)}")

    def paragraph_added(self) -> Edit | None:
        if self.anchor is None:
            return None
        open_tag = self.source[self.anchor.element.start : self.anchor.element.open_end]
        sentence = NEW_SENTENCE.get(self.page.expected.language or "", NEW_SENTENCE_DEFAULT)
        splices = [
            Splice(e.close_end, e.close_end, f"\n{open_tag}{sentence}</p>")
            for e in self.copies(self.anchor)
        ]
        return Edit(splices, f"new paragraph after {_quote(self.anchor.text)}")

    def paragraph_removed(self) -> Edit | None:
        if self.anchor is None:
            return None
        splices = [Splice(e.start, e.close_end, "") for e in self.copies(self.anchor)]
        return Edit(splices, f"removed paragraph {_quote(self.anchor.text)}")

    # -- headline

    def headline(self) -> Edit | None:
        """One word of the headline replaced in every place the headline stands; a place that
        lacks that word (another variant of the headline) gets another of its words replaced."""
        reference = self._headline_reference()
        if not reference:
            return None
        cjk = len(_CJK.findall(reference)) >= 0.3 * len(reference.replace(" ", ""))
        places = self._headline_places(reference)
        words = _cover(places, reference, cjk)
        if not words:
            return None
        new = {w: NEW_CJK[:2] if cjk else _case_like(w, _title_word(reference)) for w in words}
        splices = []
        for place in places:
            text = self.source[place.start : place.end]
            for word in words:
                text = _replace_in_text(text, word, new[word], cjk, place.is_html)
            if text != self.source[place.start : place.end]:
                splices.append(Splice(place.start, place.end, text))
        kinds = sorted({p.kind for p in places if _covered(p, words, cjk)})
        untouched = sorted({p.kind for p in places if not _covered(p, words, cjk)})
        what = (
            f"headline {' '.join(f'{w!r}->{new[w]!r}' for w in words)} in {len(splices)} places"
            f" ({', '.join(kinds)})" + (f"; not in {', '.join(untouched)}" if untouched else "")
        )
        return Edit(splices, what, {"words": list(words)})

    def _headline_places(self, reference: str) -> list[Place]:
        """The headline places: <title>, title metas, JSON-LD headlines, and the <h1>s,
        itemprop headlines and JSON-LD names that read like one of them."""
        spans = [Place(*span, self.source) for span in self._headline_spans()]
        core = [p for p in spans if p.kind not in LOOSE_PLACES]
        known = [set(normalise(reference).split())] + [set(normalise(p.text).split()) for p in core]
        loose = [
            p
            for p in spans
            if p.kind in LOOSE_PLACES
            and any(_similar(set(normalise(p.text).split()), w, p.kind == "h1") for w in known)
        ]
        return core + loose

    def _headline_reference(self) -> str | None:
        if self.page.expected.title:
            return self.page.expected.title
        for start, end, kind, is_html in self._headline_spans():
            if kind in {"og:title", "h1", "title"}:
                text = self.source[start:end]
                return html_text(text) if is_html else text
        return None

    def _headline_spans(self) -> Iterator[tuple[int, int, str, bool]]:
        """(start, end, kind, is_html) of every raw span where the headline may stand."""
        for element in self.elements:
            if (
                element.tag in {"title", "h1", "h2"}
                and not element.hidden
                and element.close_start > 0
            ):
                yield element.open_end, element.close_start, element.tag, True
            elif element.attrs.get("itemprop") == "headline" and element.tag != "meta":
                if element.close_start > element.open_end:
                    yield element.open_end, element.close_start, "itemprop headline", True
            elif element.tag == "meta":
                key = _meta_key(element)
                span = _attr_span(self.source, element, "content") or _attr_span(
                    self.source, element, "value"
                )
                titled = key in TITLE_KEYS or (
                    key.endswith("title") and not re.search("app|sub", key)
                )
                if titled and span:
                    yield span[0], span[1], key, True
            elif element.tag == "script" and "ld+json" in element.attrs.get("type", ""):
                body = self.source[element.open_end : element.close_start]
                for match in _JSON_TITLE.finditer(body):
                    start = element.open_end + match.start(2)
                    end = element.open_end + match.end(2)
                    yield start, end, f"json-ld {match.group(1)}", False

    # -- byline

    def byline(self) -> Edit | None:
        names = [v for name in self.page.expected.authors for v in _name_variants(name)]
        for name in dict.fromkeys(names):
            pattern = _name_pattern(name)
            matches = list(pattern.finditer(self.source)) if pattern else []
            if matches:
                splices = [
                    Splice(m.start(), m.end(), _case_like(m.group(0), NEW_AUTHOR)) for m in matches
                ]
                what = f"author {name!r} -> {NEW_AUTHOR!r} in {len(matches)} places"
                return Edit(splices, what, {"name": name})
        return None

    # -- furniture

    def furniture(self, states: dict[str, int]) -> list[Splice]:
        """The splices of the site furniture in the given states; without an article
        paragraph only the nonce, the CSRF token and the image URLs."""
        splices: list[Splice] = []
        head = self._head_end()
        token = hashlib.sha1(f"{self.page.path}{states['csrf_nonce']}".encode()).hexdigest()
        splices.append(Splice(head, head, f'<script nonce="{token[:16]}">window.t=1;</script>'))
        hidden_input = f'<input type="hidden" name="csrf_token" value="{token}">'
        if self.anchor is None:
            end = self._body_end()
            splices.append(Splice(end, end, f'<form method="post">{hidden_input}</form>'))
        else:
            splices.extend(self._article_furniture(states, hidden_input))
        if states["image_query"]:
            splices.extend(self._image_queries(states["image_query"]))
        return splices

    def _article_furniture(self, states: dict[str, int], hidden_input: str) -> list[Splice]:
        assert self.anchor is not None
        first, anchor, last = (
            self.paragraphs[0].element,
            self.anchor.element,
            self.paragraphs[-1].element,
        )
        updated = f'<p class="updated">Updated {UPDATED_MINUTES[states["updated"]]} minutes ago</p>'
        shares = (
            f'<div class="share-count"><span>{SHARES[states["share_counter"]]}</span> shares</div>'
        )
        splices = [
            Splice(first.start, first.start, f"{updated}\n{shares}\n"),
            Splice(anchor.close_end, anchor.close_end, hidden_input),
        ]
        if states["ad"]:
            splices.append(Splice(anchor.close_end, anchor.close_end, _ad(1)))
        if states["ad"] == 2 and first is not anchor:
            splices.append(Splice(first.close_end, first.close_end, _ad(2)))
        splices.append(Splice(last.close_end, last.close_end, _most_read(states["most_read"])))
        return splices

    def _image_queries(self, version: int) -> Iterator[Splice]:
        for element in self.elements:
            names: tuple[str, ...] = ()
            if element.tag == "img":
                names = ("src", "data-src")
            elif element.tag == "meta" and _meta_key(element) in IMAGE_KEYS:
                names = ("content", "value")
            elif element.tag == "link" and element.attrs.get("rel") == "image_src":
                names = ("href",)
            for name in names:
                span = _attr_span(self.source, element, name)
                if not span or span[0] == span[1]:
                    continue
                url = self.source[span[0] : span[1]]
                if url.startswith("data:"):
                    continue
                at = span[0] + (url.find("#") if "#" in url else len(url))
                joint = "&amp;" if "?" in url else "?"
                yield Splice(at, at, f"{joint}v={version}")

    def _head_end(self) -> int:
        found = re.search(r"</head\s*>", self.source, re.I)
        return found.start() if found else 0

    def _body_end(self) -> int:
        found = list(re.finditer(r"</body\s*>", self.source, re.I))
        return found[-1].start() if found else len(self.source)


def _ad(slot: int) -> str:
    return f'<div class="ad" id="ad-slot-{slot}"><span>Advertisement</span></div>'


def _most_read(state: int) -> str:
    titles = [MOST_READ[(state * 5 + i) % len(MOST_READ)] for i in range(5)]
    slugs = [re.sub(r"\W+", "-", t.lower()) for t in titles]
    items = "".join(
        f'<li><a href="/most-read/{slug}">{html.escape(t)}</a></li>'
        for slug, t in zip(slugs, titles, strict=True)
    )
    return f'\n<aside class="most-read"><h3>Most read</h3><ol>{items}</ol></aside>\n'


def _quote(text: str, length: int = 70) -> str:
    return repr(text if len(text) <= length else text[: length - 3] + "...")


def _meta_key(element: Element) -> str:
    for name in ("property", "name", "itemprop"):
        if element.attrs.get(name):
            return element.attrs[name].strip().lower()
    return ""


def _attr_span(source: str, element: Element, name: str) -> tuple[int, int] | None:
    """Where the value of attribute `name` stands in the source."""
    raw = source[element.start : element.open_end]
    for match in _ATTR.finditer(raw):
        if match.group(1).lower() == name:
            group = next(g for g in (2, 3, 4) if match.group(g) is not None)
            return element.start + match.start(group), element.start + match.end(group)
    return None


def _replace_words(source: str, element: Element) -> tuple[Splice, str] | None:
    """Three consecutive words in the middle of the longest text run of a paragraph, replaced."""
    start, end = element.inner
    runs = [
        (start + m.start(), m.group(0))
        for m in re.finditer(r"<[^>]*>|[^<]+", source[start:end])
        if not m.group(0).startswith("<")
        if not re.search(
            r"<(script|style)\b[^>]*>$", source[max(0, start + m.start() - 200) : start + m.start()]
        )
    ]
    if not runs:
        return None
    for offset, run in sorted(runs, key=lambda item: -word_count(item[1])):
        text = html.unescape(run)
        if len(_CJK.findall(text)) >= 0.3 * len(text.replace(" ", "")):
            found = _replace_cjk(offset, run)
        else:
            found = _replace_in_run(offset, run)
        if found:
            return found
    return None


def _replace_in_run(offset: int, run: str) -> tuple[Splice, str] | None:
    """Three consecutive words (tokens with a letter and no markup) in the middle of a run."""
    tokens = list(re.finditer(r"\S+", run))
    wordy = [bool(_WORDY.search(t.group(0))) and not _MARKUP.search(t.group(0)) for t in tokens]
    windows = [i for i in range(len(tokens) - 2) if all(wordy[i : i + 3])]
    if len(tokens) < 5 or not windows:
        return None
    index = min(windows, key=lambda i: abs(i - (len(tokens) - 3) // 2))
    picked = tokens[index : index + 3]
    pieces, cursor = [], picked[0].start()
    for token, new in zip(picked, NEW_WORDS, strict=True):
        pieces.append(run[cursor : token.start()])
        lead, core, trail = _PUNCT.fullmatch(token.group(0)).groups()  # type: ignore[union-attr]
        pieces.append(f"{lead}{_case_like(core, new)}{trail}")
        cursor = token.end()
    old = run[picked[0].start() : picked[-1].end()]
    splice = Splice(offset + picked[0].start(), offset + picked[-1].end(), "".join(pieces))
    return splice, f"words {html.unescape(old)!r} -> {splice.text!r}"


def _replace_cjk(offset: int, run: str) -> tuple[Splice, str] | None:
    """Four CJK characters (literal or character references) in the middle of a run."""
    units = [(m.start(), m.end(), html.unescape(m.group(0))) for m in _UNIT.finditer(run)]
    cjk = [bool(_CJK.fullmatch(unit[2])) for unit in units]
    windows = [i for i in range(len(units) - 3) if all(cjk[i : i + 4])]
    if len(windows) < 5:
        return None
    first = windows[len(windows) // 2]
    start, end = units[first][0], units[first + 3][1]
    old = "".join(unit[2] for unit in units[first : first + 4])
    return Splice(offset + start, offset + end, NEW_CJK), f"characters {old!r} -> {NEW_CJK!r}"


def _case_like(model: str, word: str) -> str:
    letters = [c for c in model if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 1:
        return word.upper()
    if letters and letters[0].isupper():
        return word[0].upper() + word[1:]
    return word.lower() if letters else word


def _title_word(reference: str) -> str:
    lowered = reference.lower()
    return next((w for w in TITLE_WORDS if w.lower() not in lowered), TITLE_WORDS[0])


def _span_text(source: str, start: int, end: int, is_html: bool) -> str:
    raw = source[start:end]
    return html_text(raw) if is_html else _json_string(raw)


@dataclass
class Place:
    """A raw span of the source where the headline may stand."""

    start: int
    end: int
    kind: str
    is_html: bool
    source: str = field(repr=False)

    @property
    def raw(self) -> str:
        return self.source[self.start : self.end]

    @property
    def text(self) -> str:
        return html_text(self.raw) if self.is_html else _json_string(self.raw)


def _similar(one: set[str], other: set[str], heading: bool) -> bool:
    """Most words shared, or all of a heading's words ("Mozilla" in "Mozilla - Wikipedia")."""
    if not one or not other:
        return False
    return len(one & other) >= 0.5 * max(len(one), len(other)) or (heading and one <= other)


def _candidate_words(text: str, cjk: bool) -> list[str]:
    if cjk:
        chars = "".join(_CJK.findall(text))
        return [chars[i : i + 2] for i in range(0, max(len(chars) - 1, 0))]
    return list(dict.fromkeys(_LETTERS.findall(text)))


def _covered(place: Place, words: Iterable[str], cjk: bool) -> bool:
    return any(_has_word(place.raw, word, cjk, place.is_html) for word in words)


def _cover(places: list[Place], reference: str, cjk: bool) -> list[str]:
    """Words to replace so that every headline place changes: a word of the reference found
    in the most places first; a place without any gets one of its own words."""
    uncovered = list(places)
    chosen: list[str] = []
    ref_words = _candidate_words(reference, cjk)
    while uncovered:
        pool = ref_words + [
            w for p in uncovered if p.kind in OWN_WORD_PLACES for w in _candidate_words(p.text, cjk)
        ]
        best: tuple[tuple[int, bool, bool, int], str] | None = None
        for position, word in enumerate(dict.fromkeys(pool)):
            hits = sum(_has_word(p.raw, word, cjk, p.is_html) for p in uncovered)
            score = (hits, word in ref_words, len(word) >= 5, -abs(position - len(ref_words) // 2))
            if hits and (best is None or score > best[0]):
                best = (score, word)
        if best is None:
            break
        chosen.append(best[1])
        uncovered = [p for p in uncovered if not _has_word(p.raw, best[1], cjk, p.is_html)]
    return chosen


def _has_word(raw: str, word: str, cjk: bool, is_html: bool) -> bool:
    return _replace_in_text(raw, word, "\x00", cjk, is_html) != raw


def _replace_in_text(raw: str, word: str, new: str, cjk: bool, is_html: bool) -> str:
    """The raw span with the word replaced in its text (never inside a tag); a piece of text
    that changes is decoded and encoded again, so that character references do not hide it."""
    pattern = re.compile(re.escape(word) if cjk else rf"(?<!\w){re.escape(word)}(?!\w)")

    def replaced(piece: str, decode: Any, encode: Any) -> str:
        text = decode(piece)
        changed = pattern.sub(new, text)
        return piece if changed == text else encode(changed)

    if not is_html:
        return replaced(raw, _json_string, lambda text: json.dumps(text, ensure_ascii=False)[1:-1])
    parts = re.split(r"(<[^>]*>)", raw)
    return "".join(
        part if part.startswith("<") else replaced(part, html.unescape, html.escape)
        for part in parts
    )


def _json_string(raw: str) -> str:
    try:
        return json.loads(f'"{raw}"')
    except ValueError:
        return raw


def _name_variants(name: str) -> list[str]:
    """The expected name, then its cleaned parts ("Mike Cason | mcason@al.com" -> "Mike Cason",
    "著者：後藤大地" -> "後藤大地", "Bradley M. Kuhn (http://...)" -> "Bradley M. Kuhn")."""
    cleaned = re.sub(r"^[^(]*[:：●]", " ", re.sub(r"\(.*?\)|（.*?）|[\[\]《》]", " ", name))
    parts = re.split(r"\s*(?:[|/／,，;]|\band\b|\by\b|\bund\b|\bet\b)\s*", cleaned)
    return [name.strip(), *(part.strip(" .") for part in parts if part.strip(" ."))]


def _name_pattern(name: str) -> re.Pattern[str] | None:
    """A name as it may stand in the source: any case, character references for non-ASCII
    letters, any white space, an optional middle initial."""
    gap = r"(?:\s|&nbsp;|&#160;|\u00a0)+"
    if _CJK.search(name):
        if len("".join(name.split())) < 2:
            return None
        return re.compile(gap.join(_chars(token) for token in name.split()), re.I)
    tokens = re.findall(r"[^\W\d_][\w'’.-]*", name)
    if len(tokens) < 2:
        return None
    middle = rf"{gap}(?:[A-Z]\.?{gap})?"
    body = middle.join(_chars(token) for token in tokens)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.I)


def _chars(text: str) -> str:
    """A regex for the text, each non-ASCII character also as a character reference."""
    out = []
    for char in text:
        if char in "'’":
            out.append(r"(?:'|’|&#0*39;|&#[xX]0*27;|&rsquo;|&apos;|&#0*8217;)")
        elif ord(char) < 128:
            out.append(re.escape(char))
        else:
            named = html.entities.codepoint2name.get(ord(char))
            refs = [
                re.escape(char),
                f"&#[xX]0*{ord(char):x};",
                f"&#0*{ord(char)};",
                rf"\\u{ord(char):04x}",  # inside JSON
            ]
            out.append("(?:" + "|".join(refs + ([f"&{named};"] if named else [])) + ")")
    return "".join(out)


def render(source: str, splices: Iterable[Splice]) -> str:
    """The source with the splices applied; a splice overlapping an earlier one is dropped."""
    out, cursor = [], 0
    for splice in sorted(splices, key=lambda s: (s.start, s.end)):
        if splice.start < cursor:
            continue
        out.append(source[cursor : splice.start])
        out.append(splice.text)
        cursor = splice.end
    out.append(source[cursor:])
    return "".join(out)


# ---------------------------------------------------------------- serving


class PageServer:
    """The pages on 127.0.0.1, each at its path; `publish` replaces one between rounds."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests = Counter[str]()
        pages, requests = self.pages, self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                found = pages.get(self.path)
                if found is None:
                    requests["404"] += 1
                    self._answer(404, b"not found", None)
                elif self.headers.get("If-None-Match") == found[1]:
                    requests["304"] += 1
                    self._answer(304, b"", found[1])
                else:
                    requests["200"] += 1
                    self._answer(200, found[0], found[1])

            def _answer(self, status: int, body: bytes, etag: str | None) -> None:
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                if status != 304:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def publish(self, path: str, text: str) -> None:
        body = text.encode("utf-8")
        self.pages[path] = (body, f'"{hashlib.sha1(body).hexdigest()}"')

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- newswatch


class Newswatch:
    """The CLI on the bench database and config, and the JSON API of `newswatch serve`."""

    def __init__(self, workdir: Path) -> None:
        self.config = workdir / "bench.toml"
        self.database = f"sqlite:///{workdir / 'bench.db'}"
        self.workdir = workdir
        self.tracebacks: list[tuple[str, str]] = []
        self.api: subprocess.Popen[bytes] | None = None
        self.api_log: Any = None
        self.api_port = 0
        self.connection: http.client.HTTPConnection | None = None
        self.config.write_text(
            "# bench_edits: politeness lifted for loopback, no alerts\n"
            "[schedule]\nworkers = 8\njitter = 0\n\n"
            '[http]\ntimeout = "30s"\nper_host_delay = "0s"\nper_host_concurrency = 64\n'
            "max_rps = 0\nretries = 0\n\n"
            f"[guard]\nconfirm_checks = {CONFIRM_CHECKS}\n",
            encoding="utf-8",
        )

    def run(self, *args: str) -> str:
        """The command's output; a failing command is run once more after a pause (the
        working tree may be caught in the middle of another engineer's change)."""
        command = [str(NEWSWATCH), "--config", str(self.config), "--database-url", self.database]
        for attempt in (1, 2):
            done = subprocess.run([*command, *args], capture_output=True, text=True, check=False)
            if "Traceback" in done.stderr:
                self.tracebacks.append((" ".join(args[:2]), done.stderr[-1500:]))
            if done.returncode == 0 or attempt == 2:
                break
            time.sleep(5)
        if done.returncode != 0:
            raise RuntimeError(
                f"newswatch {' '.join(args[:3])}: exit {done.returncode}\n{done.stderr}"
            )
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def start_api(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.api_port = probe.getsockname()[1]
        self.api_log = (self.workdir / "serve.log").open("wb")
        command = [str(NEWSWATCH), "--config", str(self.config), "--database-url", self.database]
        self.api = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(self.api_port)],
            stdout=self.api_log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.api.poll() is None:
            try:
                self.get("/api/watches?limit=1")
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.3)
        raise RuntimeError(f"newswatch serve did not answer (see {self.workdir / 'serve.log'})")

    def get(self, path: str) -> Any:
        """One answer of the API, on a kept-alive connection (opened again once if it broke)."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status} {data[:200]!r}")
            return json.loads(data)
        raise AssertionError("unreachable")

    def stop_api(self) -> None:
        if self.api is not None:
            self.api.terminate()
            try:
                self.api.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.api.kill()
            self.api_log.close()

    def serve_tracebacks(self) -> list[tuple[str, str]]:
        """Tracebacks that `newswatch serve` logged so far."""
        self.api_log.flush()
        log = (self.workdir / "serve.log").read_text(encoding="utf-8", errors="replace")
        return [("serve", b[-1500:]) for b in re.findall(r"Traceback.*?(?=\n\S|\Z)", log, re.S)]


# ---------------------------------------------------------------- rounds


@dataclass
class Outcome:
    outcome: str
    error: str | None

    @property
    def held_with_body(self) -> bool:
        return self.outcome == "held" and "never kept" not in (self.error or "")


@dataclass
class PassResult:
    """One round: how each page's checks came out (the first check, and the last after the
    held ones were confirmed) and the changes recorded for it."""

    name: str
    seconds: float
    summary: str
    first: dict[str, Outcome]
    final: dict[str, Outcome]
    confirmed: set[str]
    changes: dict[str, list[dict[str, Any]]]
    states: dict[str, str | None]  # `watch list --json` state after the round


class Bench:
    def __init__(self, pages: list[Page], workdir: Path) -> None:
        self.pages = pages
        self.server = PageServer()
        self.nw = Newswatch(workdir)
        self.anatomy = {page.path: Anatomy(page) for page in pages}
        self.url = {page.path: self.server.url(page.path) for page in pages}
        self.ids: dict[str, int] = {}
        self.last_change_id = 0
        self.internal_errors: list[tuple[str, str, str]] = []
        self.other_errors: list[tuple[str, str, str]] = []
        self.passes: list[PassResult] = []
        self.base_states = dict.fromkeys(NOISE, 0)
        self.revision = _revision()

    def furnished(self, path: str, states: dict[str, int], edit: Edit | None = None) -> str:
        anatomy = self.anatomy[path]
        splices = anatomy.furniture(states)
        if edit is not None:
            splices = splices + edit.splices
        return render(anatomy.source, splices)

    def enrol(self) -> None:
        listing = self.nw.workdir / "urls.txt"
        listing.write_text("".join(f"{self.url[p.path]}\n" for p in self.pages), encoding="utf-8")
        self.nw.run("watch", "import", str(listing))
        by_url = {w["url"]: w["id"] for w in self.nw.json("watch", "list")}
        for page in self.pages:
            watch_id = by_url.get(self.url[page.path])
            if watch_id is None:
                sys.exit(f"bench_edits: {self.url[page.path]} not among the watches")
            self.ids[page.path] = watch_id
        self.nw.start_api()

    def round(self, name: str, served: dict[str, str], paths: list[str]) -> PassResult:
        """Serve the pages, check every watch, confirm held checks, collect the changes."""
        for path, text in served.items():
            self.server.publish(path, text)
        started = time.monotonic()
        lines = self.nw.run("check", "--all").splitlines()
        summary = next((line for line in lines if line.startswith("checked ")), "")
        first = self._outcomes(paths, name)
        final, confirmed = dict(first), set()
        for _ in range(CONFIRM_CHECKS - 1):
            held = [path for path in paths if final[path].held_with_body]
            if not held:
                break
            self.nw.run("check", *(self.url[path] for path in held))
            final.update(self._outcomes(held, name))
            confirmed.update(path for path in held if final[path].outcome != "held")
        changes = self._new_changes()
        states = {w["url"]: w.get("state") for w in self.nw.json("watch", "list")}
        result = PassResult(
            name,
            time.monotonic() - started,
            summary,
            first,
            final,
            confirmed,
            changes,
            {path: states.get(self.url[path]) for path in paths},
        )
        self.passes.append(result)
        print(f"  {name:<24} {result.seconds:6.1f} s  {result.summary}", file=sys.stderr)
        return result

    def _outcomes(self, paths: list[str], round_name: str) -> dict[str, Outcome]:
        found = {}
        for path in paths:
            items = self.nw.get(f"/api/watches/{self.ids[path]}/checks?limit=1")["items"]
            check = items[0] if items else {"outcome": "none", "error": None}
            outcome = Outcome(check["outcome"], check.get("error"))
            found[path] = outcome
            if outcome.outcome == "error":
                page = self._page(path).label
                errors = (
                    self.internal_errors
                    if "internal error" in (outcome.error or "")
                    else (self.other_errors)
                )
                errors.append((round_name, page, outcome.error or ""))
        return found

    def _new_changes(self) -> dict[str, list[dict[str, Any]]]:
        by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
        path_of = {url: path for path, url in self.url.items()}
        for change in sorted(self.nw.json("changes"), key=lambda c: c["id"]):
            if change["id"] <= self.last_change_id:
                continue
            self.last_change_id = change["id"]
            path = path_of.get(change["url"])
            if path is not None:
                by_path[path].append(change)
        return dict(by_path)

    def _page(self, path: str) -> Page:
        return next(page for page in self.pages if page.path == path)

    def versions(self) -> dict[str, int]:
        counts = {w["url"]: w["versions"] for w in self.nw.json("watch", "list")}
        return {page.path: counts.get(self.url[page.path], 0) for page in self.pages}

    def snapshot(self, path: str, version: int = 1) -> dict[str, Any]:
        return self.nw.get(f"/api/watches/{self.ids[path]}/snapshots/{version}")

    def diff_excerpt(self, path: str, change: dict[str, Any], lines: int = 6) -> list[str]:
        try:
            text = self.nw.run(
                "diff",
                self.url[path],
                "--from",
                str(change["from_version"]),
                "--to",
                str(change["to_version"]),
            )
        except RuntimeError as exc:
            return [f"(diff failed: {str(exc)[:100]})"]
        kept = [line for line in text.splitlines()[1:] if line.strip()][:lines]
        return [line if len(line) <= 160 else f"{line[:90]} ... {line[-65:]}" for line in kept]


# ---------------------------------------------------------------- scoring


@dataclass
class EditResult:
    page: Page
    kind: str
    what: str
    status: str  # detected | wrong_field | missed
    delayed: bool
    extra_fields: list[str]
    reported: list[dict[str, Any]]
    first_outcome: Outcome
    revert_status: str  # recorded | held | missed | n/a
    revert_kind: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    cause: str = ""  # for an edit not detected: what the baseline version suggests
    cause_detail: str = ""


def score_edit(
    page: Page, kind: str, edit: Edit, applied: PassResult, reverted: PassResult
) -> EditResult:
    right = EDITS[kind]
    changes = applied.changes.get(page.path, [])
    fields = {f for c in changes for f in c.get("fields", [])}
    status = "detected" if right in fields else "wrong_field" if changes else "missed"
    reverts = reverted.changes.get(page.path, [])
    if status == "missed":
        revert_status = "n/a"
    elif any(right in c.get("fields", []) for c in reverts):
        revert_status = "recorded"
    else:
        revert_status = "held" if reverted.final[page.path].outcome == "held" else "missed"
    return EditResult(
        page=page,
        kind=kind,
        what=edit.what,
        status=status,
        delayed=status == "detected" and applied.first[page.path].outcome == "held",
        extra_fields=sorted(fields - {right}),
        reported=changes,
        first_outcome=applied.first[page.path],
        revert_status=revert_status,
        revert_kind=reverts[-1].get("kind") if reverts else None,
        detail=edit.detail,
    )


@dataclass
class NoiseResult:
    page: Page
    kind: str
    checks: int
    false_changes: list[tuple[int, dict[str, Any]]]
    held: list[tuple[int, Outcome]]


@dataclass
class Report:
    pages: list[Page]
    baseline: dict[str, str]  # path -> "ok" | why not
    edits: list[EditResult] = field(default_factory=list)
    not_applicable: dict[str, list[Page]] = field(default_factory=lambda: defaultdict(list))
    noise: list[NoiseResult] = field(default_factory=list)
    noise_na: dict[str, list[Page]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    revision: str = ""  # of the code when the run started


def run_bench(bench: Bench) -> Report:
    pages, base = bench.pages, bench.base_states
    all_paths = [page.path for page in pages]
    baseline_html = {path: bench.furnished(path, base) for path in all_paths}
    print("rounds:", file=sys.stderr)
    first = bench.round("baseline", baseline_html, all_paths)
    versions = bench.versions()
    baseline = {
        path: "ok"
        if versions[path]
        else f"{first.final[path].outcome}: {first.final[path].error or 'no version'}"
        for path in all_paths
    }
    report = Report(pages, baseline, revision=bench.revision)
    scored = [page for page in pages if baseline[page.path] == "ok"]
    paths = [page.path for page in scored]
    for kind in EDITS:
        edits = {page.path: getattr(bench.anatomy[page.path], kind)() for page in scored}
        for page in scored:
            if edits[page.path] is None:
                report.not_applicable[kind].append(page)
        served = {
            path: bench.furnished(path, base, edit) if edit else baseline_html[path]
            for path, edit in edits.items()
        }
        applied = bench.round(kind, served, paths)
        reverted = bench.round(f"{kind} revert", {p: baseline_html[p] for p in paths}, paths)
        for page in scored:
            edit = edits[page.path]
            if edit is not None:
                report.edits.append(score_edit(page, kind, edit, applied, reverted))
    for kind in NOISE:
        report.noise.extend(_noise_rounds(bench, kind, scored, report))
    return report


def _noise_rounds(bench: Bench, kind: str, scored: list[Page], report: Report) -> list[NoiseResult]:
    placed = [p for p in scored if bench.anatomy[p.path].anchor is not None or kind in _ANYWHERE]
    report.noise_na[kind] = [p for p in scored if p not in placed]
    paths = [p.path for p in scored]
    results = {p.path: NoiseResult(p, kind, 0, [], []) for p in placed}
    for state in NOISE_STATES:
        states = {**bench.base_states, kind: state}
        served = {path: bench.furnished(path, states) for path in paths}
        done = bench.round(f"{kind} {state}", served, paths)
        for path, result in results.items():
            result.checks += 1
            result.false_changes.extend((state, c) for c in done.changes.get(path, []))
            if done.first[path].outcome == "held":
                result.held.append((state, done.first[path]))
    return list(results.values())


_ANYWHERE = frozenset({"csrf_nonce", "image_query"})


# ---------------------------------------------------------------- output


def print_report(report: Report, bench: Bench) -> None:
    revision = _revision()
    same = revision == report.revision
    print(f"bench_edits on newswatch {revision if same else report.revision + ' -> ' + revision}")
    corpora = list(dict.fromkeys(page.corpus for page in report.pages))
    columns = [*corpora, "all"]
    figures = [_figures(report, bench, column) for column in columns]
    labels = [label for label, _ in figures[0]]
    width = max(len(label) for label in labels) + 2
    cell = max(13, *(len(value) + 2 for column in figures for _, value in column))
    print("".ljust(width) + "".join(column[: cell - 1].rjust(cell) for column in columns))
    for index, label in enumerate(labels):
        print(label.ljust(width) + "".join(column[index][1].rjust(cell) for column in figures))
    _print_details(report, bench)


def _held(done: PassResult, path: str) -> bool:
    """The page's state after the round is held (from `watch list --json`, else its last check)."""
    state = done.states.get(path)
    return state == "held" if state is not None else done.final[path].outcome == "held"


def _held_after(bench: Bench, pages: list[Page]) -> int:
    return sum(
        _held(done, p.path) for done in bench.passes[1:] for p in pages if p.path in done.final
    )


def _revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "worker")
    return git("rev-parse", "--short", "HEAD") + (
        " + uncommitted changes in worker/" if dirty else ""
    )


def _ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} {100 * hits / total:.0f}%" if total else "-"


def _figures(report: Report, bench: Bench, corpus: str) -> list[tuple[str, str]]:
    """The figures of one corpus ("all": every page), as (label, value) rows."""

    def mine(page: Page) -> bool:
        return corpus in ("all", page.corpus)

    pages = [p for p in report.pages if mine(p)]
    scored = [p for p in pages if report.baseline[p.path] == "ok"]
    baseline = bench.passes[0] if bench.passes else None
    rows = [
        ("pages", str(len(pages))),
        ("no baseline version", str(len(pages) - len(scored))),
        ("baseline held, then kept", str(sum(p.path in baseline.confirmed for p in pages)))
        if baseline
        else ("baseline held, then kept", "-"),
    ]
    for kind, right in EDITS.items():
        results = [r for r in report.edits if r.kind == kind and mine(r.page)]
        status = Counter(r.status for r in results)
        detected = [r for r in results if r.status == "detected"]
        reverts = [r for r in results if r.revert_status != "n/a"]
        rows += [
            (f"{kind}: recall ({right})", _ratio(status["detected"], len(results))),
            ("  wrong field", str(status["wrong_field"])),
            ("  missed (no change)", str(status["missed"])),
            ("  held first, then kept", str(sum(r.delayed for r in detected))),
            ("  also other fields", str(sum(bool(r.extra_fields) for r in detected))),
            (
                "  revert recorded",
                _ratio(sum(r.revert_status == "recorded" for r in reverts), len(reverts)),
            ),
            ("  not applicable", str(sum(mine(p) for p in report.not_applicable[kind]))),
        ]
    rows.append(("noise: pages with false change", ""))
    for kind in NOISE:
        results = [r for r in report.noise if r.kind == kind and mine(r.page)]
        pages_hit = sum(bool(r.false_changes) for r in results)
        changes = sum(len(r.false_changes) for r in results)
        rows.append((f"  {kind} (changes)", f"{pages_hit}/{len(results)} ({changes})"))
    noise_held = sum(
        "returns to" not in (o.error or "") for r in report.noise if mine(r.page) for _, o in r.held
    )
    internal, other = bench.internal_errors, bench.other_errors
    last = bench.passes[-1] if bench.passes else None
    rows += [
        ("  held in noise rounds (not flaps)", str(noise_held)),
        ("internal errors", str(sum(corpus in ("all", e[1].split("/")[0]) for e in internal))),
        ("other check errors", str(sum(corpus in ("all", e[1].split("/")[0]) for e in other))),
        ("state held after a round", str(_held_after(bench, scored))),
        ("state held at the end", str(sum(_held(last, p.path) for p in scored) if last else "-")),
    ]
    return rows


def _print_details(report: Report, bench: Bench) -> None:
    missing = [p for p in report.pages if report.baseline[p.path] != "ok"]
    print(f"\npages without a baseline version ({len(missing)}):")
    for page in missing:
        print(f"  {page.label}: {report.baseline[page.path][:160]}")
    if bench.passes:
        held = [p for p in report.pages if p.path in bench.passes[0].confirmed]
        print(f"\npages held at the baseline, kept after {CONFIRM_CHECKS} checks ({len(held)}):")
        for page in held:
            print(f"  {page.label}: {bench.passes[0].first[page.path].error}")
    print("\nnot applicable (no edit made):")
    reasons = {
        "body_words": "no article paragraph of 25+ words found via the expected text, or its"
        " text stands elsewhere on the page too",
        "headline": "no headline word found in the headline places",
        "byline": "no expected author, or the name not found in the source",
    }
    for kind, pages in report.not_applicable.items():
        why = reasons.get(kind, reasons["body_words"])
        names = ", ".join(p.label for p in pages[:12]) + (" ..." if len(pages) > 12 else "")
        print(f"  {kind}: {len(pages)} ({why}){': ' + names if pages else ''}")
    _print_causes(report, bench)
    _print_missed(report, bench)
    _print_false(report, bench)
    tracebacks = bench.nw.tracebacks + bench.nw.serve_tracebacks()
    print(f"\ninternal errors ({len(bench.internal_errors)}), tracebacks ({len(tracebacks)}):")
    for round_name, page, error in bench.internal_errors[:EXAMPLES]:
        print(f"  [{round_name}] {page}: {error[:200]}")
    for command, tail in tracebacks[:5]:
        print(f"  traceback in `{command}`:\n    " + "\n    ".join(tail.splitlines()[-8:]))
    others = Counter(error[:90] for _, _, error in bench.other_errors)
    if others:
        print("\nother check errors:")
        for error, count in others.most_common(10):
            print(f"  {count} x {error}")
    held = Counter(
        re.sub(r"\d+", "N", o.error or "")
        for p in bench.passes
        for path, o in p.first.items()
        if o.outcome == "held"
        and "returns to" not in (o.error or "")
        and report.baseline[path] == "ok"
    )
    if held:
        print("\nheld checks (other than returns to an earlier version) by reason:")
        for reason, count in held.most_common(10):
            print(f"  {count} x {reason[:140]}")
    total = sum(p.seconds for p in bench.passes)
    print(
        f"\n{len(bench.passes)} rounds over {len(report.pages)} pages in {report.seconds:.0f} s "
        f"(checks {total:.0f} s, {total / max(len(bench.passes), 1):.1f} s a round); "
        f"server answered {dict(bench.server.requests)}"
    )


def _cause(result: EditResult, bench: Bench) -> tuple[str, str]:
    """A guess at why an edit was not detected, from the baseline version as stored."""
    try:
        stored = bench.snapshot(result.page.path)
    except (RuntimeError, OSError, http.client.HTTPException):
        return "baseline version not readable", ""
    anatomy = bench.anatomy[result.page.path]
    if EDITS[result.kind] == "body":
        assert anatomy.anchor is not None
        body = normalise(" ".join(stored.get("body") or []))
        text = anatomy.anchor.text
        if text in body or overlap(text, shingles(body)) >= 0.5:
            return "paragraph is in the extracted body", ""
        return "paragraph outside the extracted body", f"{len(body.split())} words extracted"
    if result.kind == "headline":
        title = stored.get("title") or ""
        if any(word in title for word in result.detail.get("words", [])):
            return "edited word is in the extracted title", ""
        return "edited words not in the extracted title", f"title {title[:70]!r}"
    authors = stored.get("authors") or []
    name = normalise(result.detail.get("name", ""))
    if name and any(name in normalise(a) for a in authors):
        return "name is among the extracted authors", ""
    return "name not among the extracted authors", f"authors {authors}"


def _print_causes(report: Report, bench: Bench) -> None:
    print("\nedits not detected (missed or wrong field), by kind and likely cause:")
    causes: Counter[tuple[str, str, str]] = Counter()
    for result in report.edits:
        if result.status != "detected":
            result.cause, result.cause_detail = _cause(result, bench)
            causes[(result.kind, result.status, result.cause)] += 1
    for (kind, status, cause), count in sorted(causes.items()):
        print(f"  {kind:<18} {status:<12} {count:4}  {cause}")


def _spread(items: list[Any], key: Any, limit: int = EXAMPLES) -> list[Any]:
    """Up to `limit` items, taken in turn from each group so that every group shows."""
    groups: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    picked: list[Any] = []
    while len(picked) < limit and any(groups.values()):
        for group in groups.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    return picked


def _print_missed(report: Report, bench: Bench) -> None:
    missed = [r for r in report.edits if r.status != "detected"]
    print(f"\nmissed edits ({len(missed)}), examples:")
    for result in _spread(missed, lambda r: (r.kind, r.status)):
        outcome = result.first_outcome
        print(f"  {result.page.label} [{result.kind}, {result.status}] {result.what}")
        print(
            f"      likely: {result.cause}"
            + (f"; {result.cause_detail}" if result.cause_detail else "")
        )
        print(f"      check: {outcome.outcome}{': ' + outcome.error if outcome.error else ''}")
        for change in result.reported[:1]:
            print(f"      reported {change.get('fields')}: {change.get('summary')}")
            for line in bench.diff_excerpt(result.page.path, change, 4):
                print(f"        | {line}")


def _print_false(report: Report, bench: Bench) -> None:
    hit = [r for r in report.noise if r.false_changes]
    total = sum(len(r.false_changes) for r in hit)
    print(f"\nfalse changes in noise rounds ({total} on {len(hit)} page-kinds), examples:")
    for result in _spread(hit, lambda r: r.kind):
        states = ",".join(str(state) for state, _ in result.false_changes)
        fields = sorted({f for _, c in result.false_changes for f in c.get("fields", [])})
        first = result.false_changes[0][1]
        label = f"{result.page.label} [{result.kind}, states {states}]"
        print(f"  {label} {fields}: {first.get('summary')}")
        for line in bench.diff_excerpt(result.page.path, first, 3):
            print(f"        | {line}")


def save_results(report: Report, bench: Bench, folder: Path) -> None:
    data = {
        "baseline": {p.label: report.baseline[p.path] for p in report.pages},
        "edits": [
            {
                "page": r.page.label,
                "kind": r.kind,
                "what": r.what,
                "status": r.status,
                "delayed": r.delayed,
                "extra_fields": r.extra_fields,
                "check": [r.first_outcome.outcome, r.first_outcome.error],
                "revert": r.revert_status,
                "cause": [r.cause, r.cause_detail],
                "reported": [
                    {k: c.get(k) for k in ("fields", "summary", "kind")} for c in r.reported
                ],
            }
            for r in report.edits
        ],
        "noise": [
            {
                "page": r.page.label,
                "kind": r.kind,
                "false_changes": [
                    {"state": s, "fields": c.get("fields"), "summary": c.get("summary")}
                    for s, c in r.false_changes
                ],
                "held": [[s, o.outcome, o.error] for s, o in r.held],
            }
            for r in report.noise
        ],
        "internal_errors": bench.internal_errors,
        "tracebacks": bench.nw.tracebacks,
        "rounds": [[p.name, round(p.seconds, 1), p.summary] for p in bench.passes],
    }
    (folder / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", metavar="CORPUS")
    parser.add_argument("--limit", type=int, help="at most N pages per corpus")
    parser.add_argument("--keep", type=Path, help="keep the database, config and results here")
    args = parser.parse_args()
    started = time.monotonic()
    pages = load_pages(args.corpora, args.limit)
    with tempfile.TemporaryDirectory(prefix="bench_edits.") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        bench = Bench(pages, workdir)
        try:
            bench.enrol()
            report = run_bench(bench)
            report.seconds = time.monotonic() - started
            print_report(report, bench)
            if args.keep:
                save_results(report, bench, workdir)
        finally:
            bench.nw.stop_api()
            bench.server.stop()


if __name__ == "__main__":
    main()
