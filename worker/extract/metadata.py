"""Article metadata: JSON-LD first, then OpenGraph and <meta> tags, then the visible page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from worker.extract._authors import read_authors
from worker.extract._head import (
    Page,
    absolute_url,
    json_ld_article,
    ld_str,
    ld_text,
    link_tag,
    meta_values,
)
from worker.extract._page_dates import read_dates
from worker.extract._text import attr, clean, text_of
from worker.extract._titles import lead_element_text, read_subtitle, read_title, site_marks
from worker.extract._tree import by_name, elements, first
from worker.types import DateNote

_IMAGE_KEYS = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
_CREDIT = re.compile(r"credit|copyright|caption", re.IGNORECASE)


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


def read_metadata(soup: BeautifulSoup, url: str) -> Metadata:
    """Read the metadata of a parsed page, preferring structured data over visible text."""
    tags = elements(soup)
    page = Page(tags, by_name(tags))
    metas = meta_values(page)
    ld = json_ld_article(page)
    site_name = _site_name(metas, ld)
    image = _image(page, metas, ld, url)
    standfirst = lead_element_text(page)
    language = _language(page, metas, ld)
    published, modified, dates = read_dates(page, metas, ld, language)
    return Metadata(
        title=read_title(page, metas, ld, site_name, url),
        subtitle=read_subtitle(page, metas, ld, standfirst),
        authors=read_authors(page, metas, ld, site_marks(site_name, url)),
        published=published,
        modified=modified,
        canonical_url=_canonical(page, metas, ld, url),
        language=language,
        site_name=site_name,
        image=image,
        image_caption=_image_caption(page, image),
        standfirst=standfirst,
        dates=dates,
        article_body=ld_text(ld, "articleBody"),
    )


def _site_name(metas: dict[str, list[str]], ld: dict) -> str | None:
    names = [*metas.get("og:site_name", []), ld_str(ld, "publisher")]
    return next((name for name in [*names, *metas.get("application-name", [])] if name), None)


def _canonical(page: Page, metas: dict[str, list[str]], ld: dict, url: str) -> str | None:
    link = link_tag(page, "canonical")
    candidates = [attr(link, "href") if link else "", *metas.get("og:url", []), ld_str(ld, "url")]
    for candidate in candidates:
        absolute = absolute_url(url, candidate)
        if absolute:
            return absolute
    return None


def _language(page: Page, metas: dict[str, list[str]], ld: dict) -> str | None:
    html = page.first("html")
    candidates = [
        attr(html, "lang") if html else "",
        attr(html, "xml:lang") if html else "",
        *metas.get("content-language", []),
        *metas.get("language", []),
        ld_str(ld, "inLanguage"),
        *metas.get("og:locale", []),
    ]
    for candidate in candidates:
        code = clean(candidate).replace("_", "-").split(",")[0].strip()
        if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
            return code
    return None


def _image(page: Page, metas: dict[str, list[str]], ld: dict, url: str) -> str | None:
    link = link_tag(page, "image_src")
    own = [value for key in _IMAGE_KEYS for value in metas.get(key, [])]
    candidates = [*own, _ld_image(ld), attr(link, "href") if link else ""]
    for candidate in candidates:
        absolute = absolute_url(url, candidate)
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


def _image_caption(page: Page, image: str | None) -> str | None:
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
