"""Panels that sit beside the article and can outweigh it: consent managers, dialogs and
modal overlays, and lists of teasers ("More from the author", "Most read").

A consent manager's preference centre carries long paragraphs about each purpose, and a
teaser list a summary under every headline; scored as text, either can beat a short
article. They are recognised by their markup and their heading, never by site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import NavigableString, Tag

from worker.extract._text import attr, class_and_id, clean
from worker.extract._tree import elements

# Class and id tokens of the common consent platforms and cookie banners.
_CONSENT_MARKUP = re.compile(
    r"onetrust|optanon|ot-sdk|ot-pc-|didomi|cookiebot|usercentrics|sp_message|sp-message|"
    r"qc-cmp|cmp-?(container|banner|dialog|layer|wrapper|box|modal)|cmpbox|truste|trustarc|"
    r"osano|iubenda|cookie-?(consent|notice|banner|bar|law|wall|popup|modal|overlay|layer|"
    r"settings|disclaimer|info)|consent-?(banner|manager|modal|dialog|overlay|popup|wall|"
    r"layer|box|container)|gdpr|cc-window|cc-banner|cmplz|borlabs|klaro|tarteaucitron|"
    r"axeptio|fc-consent|fc-dialog|privacy-?(manager|center|centre|banner|modal)|evidon|"
    r"cookie_?law|cli-modal|pur-?abo|contentpass",
    re.IGNORECASE,
)
_OVERLAY_CLASS = re.compile(r"(^|\s)(modal|modal-dialog|interstitial)(\s|$)", re.IGNORECASE)
_OVERLAY_CONTAINERS = frozenset({"div", "section", "aside"})
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
# Headings that open a list of other stories, in the languages of the news we meet.
TEASER_HEADING = re.compile(
    r"^(more (from|by|stories|articles|news|in|on|to explore|like this)|other (stories|news)|"
    r"latest (news|stories|articles|from)|related|recommended|you (may|might) (also )?like|"
    r"read (next|more)|most (read|popular|viewed|shared|commented)|top stories|trending|"
    r"popular|also (on|in)|editor'?s picks|don'?t miss|what to read next|"
    r"m[aá]s (le[ií]d[oa]s|noticias|de)|lo m[aá]s|te puede interesar|tambi[eé]n te puede|"
    r"mehr (zum thema|aus|von|artikel|nachrichten)|weitere (artikel|nachrichten|beitr[aä]ge|"
    r"themen)|meistgelesen\w*|das k[oö]nnte sie|plus d'articles|[àa] lire aussi|les plus lus|"
    r"sur le m[eê]me sujet|leia (tamb[eé]m|mais)|mais lidas|veja tamb[eé]m|czytaj (te[zż]|"
    r"tak[zż]e|wi[eę]cej)|zobacz (te[zż]|tak[zż]e)|najcz[eę][sś]ciej czytane|altri articoli|"
    r"leggi anche|i pi[uù] letti|lees ook|meest gelezen|(die )?redaktion empfiehlt|"
    r"empfehlungen( der redaktion)?|editors'? (picks|choice))\b",
    re.IGNORECASE,
)
# Openings followed by whose stories they are: 'More from Jane Doe', 'Latest from Sport'.
_OWNED = re.compile(r"(more|latest|other|mehr|weitere|m[aá]s)\b", re.IGNORECASE)
_TEASER_CONTAINERS = frozenset({"div", "section", "aside", "ul", "ol", "nav"})
MIN_TEASER_LINKS = 3
_LEAD_STEPS = 30  # elements looked at for a container's heading


@dataclass
class Marks:
    """What an element holds that tells an article's container from a panel beside it."""

    landmark: bool = False  # the <h1>, an <article> or <main>, or itemprop=articleBody
    long_paragraphs: int = 0  # <p> of 100 characters or more
    links: int = 0


LONG_PARAGRAPH = 100
_LANDMARKS = frozenset({"h1", "article", "main"})


def marks_of(root: Tag) -> dict[int, Marks]:
    """Marks for `root` and every element below it, keyed by id(): one bottom-up pass
    (text lengths summed from the children, never read again per element)."""
    found: dict[int, Marks] = {}
    chars: dict[int, int] = {}
    for tag in reversed([root, *elements(root)]):  # children before their parents
        own = Marks(
            landmark=tag.name in _LANDMARKS or attr(tag, "itemprop").lower() == "articlebody",
            links=int(tag.name == "a" and tag.has_attr("href")),
        )
        size = 0
        for child in tag.contents:
            if isinstance(child, Tag):
                inner = found[id(child)]
                own.landmark = own.landmark or inner.landmark
                own.long_paragraphs += inner.long_paragraphs
                own.links += inner.links
                size += chars[id(child)]
            elif type(child) is NavigableString:
                size += len(child.strip())
        own.long_paragraphs += int(tag.name == "p" and size >= LONG_PARAGRAPH)
        found[id(tag)], chars[id(tag)] = own, size
    return found


class Judge:
    """Tells panels from the article's container, reading what an element holds only for
    the few elements whose markup or heading makes them suspects, at most `budget` times a
    page (each read walks a subtree; past the budget a suspect is left in place)."""

    def __init__(self, budget: int = 40) -> None:
        self.budget = budget

    def is_overlay(self, tag: Tag) -> bool:
        """A consent manager's panel, a dialog or a modal overlay not holding the article.

        A preference centre has long paragraphs of its own, so for consent markup only the
        article's landmarks (its <h1>, <article>, <main>) count as holding it.
        """
        if tag.name in _NOT_PANELS:
            return False
        if _CONSENT_MARKUP.search(class_and_id(tag)):
            marks = self._marks(tag)
            return marks is not None and not marks.landmark
        dialog = attr(tag, "role").lower() in _DIALOG_ROLES or attr(tag, "aria-modal") == "true"
        if not dialog and not (tag.name in _OVERLAY_CONTAINERS and _overlay_class(tag)):
            return False
        marks = self._marks(tag)
        return marks is not None and not marks.landmark and marks.long_paragraphs < 3

    def is_teaser_list(self, tag: Tag) -> bool:
        """A container headed 'More from ...', 'Most read', ... with links to other stories."""
        if tag.name not in _TEASER_CONTAINERS or not TEASER_HEADING.match(_heading_text(tag)):
            return False
        marks = self._marks(tag)
        return marks is not None and not marks.landmark and marks.links >= MIN_TEASER_LINKS

    def _marks(self, tag: Tag) -> Marks | None:
        if self.budget <= 0:
            return None
        self.budget -= 1
        return marks_of(tag)[id(tag)]


_NOT_PANELS = frozenset({"html", "body", "article", "main", "p", "a", "span", "li"})


def _overlay_class(tag: Tag) -> bool:
    return bool(_OVERLAY_CLASS.search(attr(tag, "class")))


def is_teaser_heading(text: str) -> bool:
    """A heading that only announces a list of other stories ('Most read', 'More from X')."""
    match = TEASER_HEADING.match(text)
    if match is None:
        return False
    rest = text[match.end() :].strip(" :|-–—»›>").split()
    return len(rest) <= 1 or (len(rest) <= 4 and bool(_OWNED.match(text)))


def _heading_text(tag: Tag) -> str:
    """The container's own heading: its first text, when that sits in a heading (or inline
    text) directly inside it, not in a box nested further down. A bounded walk."""
    node = tag.next_element
    for _ in range(_LEAD_STEPS):
        if node is None:
            return ""
        if type(node) is NavigableString and node.strip():
            return clean(node)[:80] if _heads(node, tag) else ""
        node = node.next_element
    return ""


_HEADING_PATH = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "header", "hgroup", "p", "a", "span", "strong", "b", "em"}
)


def _heads(node: NavigableString, tag: Tag) -> bool:
    """Whether a text is in `tag` through heading and inline elements only."""
    parent = node.parent
    for _ in range(4):
        if parent is None:
            return False
        if parent is tag:
            return True
        if parent.name not in _HEADING_PATH:
            return False
        parent = parent.parent
    return False
