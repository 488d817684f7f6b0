"""Whether a page's static HTML is a script shell: an almost empty body that scripts fill.

Single-page apps ship `<div id="root"></div>` and a bundle; live blogs and interstitials
ship a body of scripts. Such a page holds no article until a browser runs it, so
`[fetch] browser = "auto"` fetches it again in the browser. Real article pages carry their
text in the HTML (or a few hundred characters of it at least), so they stay plain.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# Under this many characters of visible body text a page is "almost empty".
SHELL_TEXT = 200
# Elements single-page frameworks mount into, by id; and attributes that mark a mount point.
_ROOT_IDS = frozenset(
    {"root", "app", "__next", "__nuxt", "___gatsby", "svelte", "main-app", "app-root", "react-root"}
)
_ROOT_ATTRIBUTES = (
    "data-reactroot",
    "data-react-helmet",
    "ng-app",
    "ng-version",
    "data-server-rendered",
)
_ROOT_TAGS = frozenset({"app-root"})  # Angular's default component
_INERT = frozenset({"script", "style", "noscript", "template", "svg", "link", "meta"})
_SPACE = re.compile(r"\s+")


def looks_like_script_shell(html: str) -> bool:
    """True when the page's body has almost no visible text and is a mount point for scripts
    (a root element such as #root, #app, #__next, [data-reactroot]) or mostly scripts."""
    body = _body(html)
    if body is None or _visible_text(body) >= SHELL_TEXT:
        return False
    return _has_mount_point(body) or _mostly_scripts(body)


def _body(html: str) -> etree._Element | None:
    if not html.strip():
        return None
    try:
        document = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    return document.find("body")


def _visible_text(body: etree._Element) -> int:
    """The characters of text outside scripts, styles and templates (spaces collapsed),
    counted up to SHELL_TEXT."""
    length, stack = 0, [body]
    while stack and length < SHELL_TEXT:
        element = stack.pop()
        if element is not body and element.tail:
            length += len(_SPACE.sub(" ", element.tail).strip())
        if not isinstance(element.tag, str) or element.tag in _INERT:
            continue  # comments, and elements whose content is not shown
        if element.text:
            length += len(_SPACE.sub(" ", element.text).strip())
        stack.extend(reversed(element))
    return length


def _has_mount_point(body: etree._Element) -> bool:
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id") in _ROOT_IDS or element.tag in _ROOT_TAGS:
            return True
        if any(element.get(name) is not None for name in _ROOT_ATTRIBUTES):
            return True
    return False


def _mostly_scripts(body: etree._Element) -> bool:
    """At least one script, and scripts are at least half of the body's elements."""
    children = [child for child in body if isinstance(child.tag, str)]
    scripts = sum(1 for child in children if child.tag == "script")
    return scripts > 0 and scripts * 2 >= len(children)
