"""worker.extract: the seed article, Readability's news pages, hidden text and junk input."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from worker.extract import EXTRACTOR_VERSION, article
from worker.extract._panels import is_teaser_heading
from worker.types import Article, Link

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Real news pages copied from the project's benchmark corpora (fixtures/extract/pages/SOURCES.md
# says where each came from and its licence); bench/eval_extract.py scores whole corpora.
PAGES = FIXTURES / "extract" / "pages"
SEED_URL = (
    "https://www.themoscowtimes.com/2020/11/11/"
    "damascus-holds-russia-backed-conference-on-refugee-returns-a72016"
)
# Body F1 (word 4-gram shingles, counting repeats) against the corpus' expected text.
F1_FLOOR = 0.9
_PAGES = sorted(p.name for p in PAGES.iterdir() if (p / "source.html").is_file())
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+")
_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|»|/)\s+|\s*_|\s+(?=\[)")


def _expected(name: str) -> dict:
    return json.loads((FIXTURES / "seed" / f"{name}.expected.json").read_text(encoding="utf-8"))


def _extract_seed(name: str) -> Article:
    html = (FIXTURES / "seed" / f"{name}.html").read_text(encoding="utf-8")
    return article(html, SEED_URL)


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _TOKEN.findall(text.lower())
    return Counter(tuple(words[i : i + 4]) for i in range(max(len(words) - 3, 1)))


def _f1(expected: str, found: str) -> float:
    want, got = _shingles(expected), _shingles(found)
    common = sum((want & got).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _words(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def test_extractor_version_is_a_string() -> None:
    assert EXTRACTOR_VERSION.isdigit()


@pytest.mark.parametrize("name", ["moscow-times-v1", "moscow-times-v2"])
def test_seed_metadata(name: str) -> None:
    expected = _expected(name)
    found = _extract_seed(name)
    assert found.url == expected["url"]
    assert found.title == expected["title"]
    assert found.subtitle == expected["subtitle"]
    assert list(found.authors) == expected["authors"]
    assert found.published == datetime.fromisoformat(expected["published"])
    assert found.published.utcoffset() is not None
    assert found.modified == datetime.fromisoformat(expected["modified"])
    assert found.canonical_url == expected["canonical_url"]
    assert found.language == expected["language"]
    assert found.site_name == expected["site_name"]
    assert found.image == expected["image"]
    assert found.image_caption == expected["image_caption"]
    assert "Sergei Bobylev / TASS" in found.image_caption
    assert found.reason is None


@pytest.mark.parametrize("name", ["moscow-times-v1", "moscow-times-v2"])
def test_seed_body_paragraphs(name: str) -> None:
    expected = _expected(name)
    found = _extract_seed(name)
    assert list(found.body) == expected["body"]


@pytest.mark.parametrize("name", ["moscow-times-v1", "moscow-times-v2"])
def test_seed_related_teaser_is_a_link_not_body(name: str) -> None:
    found = _extract_seed(name)
    assert [Link(**link) for link in _expected(name)["related"]] == list(found.related)
    text = " ".join(found.body)
    for outside in ("Related article", "Sergei Bobylev", "Most read", "newsletter", "Share"):
        assert outside not in text


def test_seed_versions_differ_only_in_the_edits() -> None:
    old, new = _extract_seed("moscow-times-v1"), _extract_seed("moscow-times-v2")
    assert old.title != new.title
    assert len(new.body) == len(old.body) + 1
    assert sum(p not in old.body for p in new.body) == 2


def _real_page(name: str) -> tuple[Article, dict]:
    page = PAGES / name
    expected = json.loads((page / "expected.json").read_text(encoding="utf-8"))
    html = (page / "source.html").read_text(encoding="utf-8")
    return article(html, expected.get("url") or f"http://fakehost/{name}/"), expected


@pytest.mark.parametrize("name", _PAGES)
def test_real_page(name: str) -> None:
    found, expected = _real_page(name)
    assert found.reason is None
    if expected.get("body"):
        assert _f1(expected["body"], " ".join(found.body)) >= F1_FLOOR
    text = _words(" ".join(found.body))
    for snippet in expected.get("body_snippets_with", []):
        assert _words(snippet) in text
    if expected.get("title"):
        # The corpus may keep a ' - Site' part that we drop on purpose.
        assert any(_words(found.title).endswith(form) for form in _title_forms(expected["title"]))
    if expected.get("published"):
        assert found.published is not None
        assert found.published.utcoffset() == timedelta(0)
        want = datetime.fromisoformat(expected["published"].replace("Z", "+00:00"))
        if want.tzinfo is None:  # the corpus gives the page's own wall-clock time or day
            assert abs(found.published.replace(tzinfo=None) - want) <= timedelta(hours=14)
        else:
            assert found.published == want


def _title_forms(title: str) -> set[str]:
    parts = _SEPARATOR.split(title)
    return {_words(" ".join(parts[:i])) for i in range(1, len(parts) + 1)}


def test_hidden_text_never_enters_the_body() -> None:
    html = (FIXTURES / "extract" / "hidden-text.html").read_text(encoding="utf-8")
    found = article(html, "https://gazette.example/news/cycle-lanes")
    assert len(found.body) == 4
    assert not any("HIDDEN" in paragraph for paragraph in found.body)
    assert found.title == "Council Approves New Cycle Lanes"


def test_br_separated_text_and_list_items_are_paragraphs() -> None:
    sentence = "This sentence is long enough, with commas, to be taken for article text"
    html = (
        f"<html><body><div class='article-body'>{sentence} one.<br><br>{sentence} two."
        f"<br/>\n<br/>{sentence} three.<ul><li>{sentence} four.</li></ul></div></body></html>"
    )
    found = article(html, "https://example.org/a")
    assert list(found.body) == [f"{sentence} {n}." for n in ("one", "two", "three", "four")]


NO_TEXT = "no article text found"
JUNK = [  # (id, page, the reason the extractor gives)
    ("empty", "", "empty page"),
    ("blank", "   ", "empty page"),
    ("brackets", "<<<>>>", NO_TEXT),
    ("control-chars", "\x00\x01\x02\ufffd\ufffd\x7f" * 50, NO_TEXT),
    ("binary", bytes(range(256)).decode("latin-1") * 20, NO_TEXT),
    (
        "empty-div",
        "<html><head><title>Nothing here</title></head><body><div></div></body></html>",
        NO_TEXT,
    ),
    (
        "no-text",
        "<html><body><nav><a href='/'>Home</a></nav><img src='x.png'></body></html>",
        NO_TEXT,
    ),
    ("deep", "<p>" * 3000 + "deep", NO_TEXT),
    (
        "bad-json",
        "<script type='application/ld+json'>{not json,,]</script><meta property='og:title'>",
        NO_TEXT,
    ),
]


@pytest.mark.parametrize(("html", "reason"), [c[1:] for c in JUNK], ids=[c[0] for c in JUNK])
def test_junk_input_gives_an_empty_body_with_a_reason(html: str, reason: str) -> None:
    found = article(html, "https://example.org/junk")
    assert isinstance(found, Article)
    assert found.body == ()
    assert found.reason == reason


def test_metadata_from_graph_and_byline_lists() -> None:
    html = """<html lang="de"><head><title>Ein Titel | Beispiel Zeitung</title>
    <meta property="og:site_name" content="Beispiel Zeitung">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "name": "Beispiel Zeitung"},
      {"@type": ["ReportageNewsArticle"], "headline": "Ein Titel",
       "author": [{"@type": "Person", "name": "Anna Muster"},
                  {"@type": "Person", "name": "Ben Beispiel"}],
       "datePublished": "2021-03-04T05:06:07Z"},]}</script></head><body></body></html>"""
    found = article(html, "https://zeitung.example/artikel")
    assert found.title == "Ein Titel"
    assert found.authors == ("Anna Muster", "Ben Beispiel")
    assert found.published is not None and found.published.utcoffset() is not None
    assert found.language == "de"
    assert found.reason == NO_TEXT  # the metadata is kept although the page has no body


def test_visible_byline_is_split_into_names() -> None:
    html = """<html><head><title>Storm hits the coast - Daily Example</title></head><body>
    <h1>Storm hits the coast</h1><p class="byline">By Jane Doe and John Roe, March 3, 2021</p>
    </body></html>"""
    found = article(html, "https://daily.example/storm")
    assert found.title == "Storm hits the coast"
    assert found.authors == ("Jane Doe", "John Roe")


def _fixture(name: str, url: str = "https://news.example/story") -> Article:
    return article((FIXTURES / "extract" / f"{name}.html").read_text(encoding="utf-8"), url)


def test_live_blog_keeps_every_entry_and_drops_key_events_and_comments() -> None:
    found = _fixture("live-blog")
    text = " ".join(found.body)
    for entry in ("Southampton airport", "200 schools in Cornwall", "welcome to our live coverage"):
        assert entry in text
    assert text.index("Southampton airport") < text.index("Welcome to our coverage")
    for outside in ("Key events", "Stay safe everyone", "morning briefing", "Copy link"):
        assert outside not in text
    assert found.authors == ("Priya Shah", "Tom Baker")
    assert found.modified is not None and found.modified.isoformat() == "2023-11-02T09:41:30+00:00"
    assert found.reason is None


def test_paywall_teaser_keeps_the_teaser_and_says_so() -> None:
    found = _fixture("paywall-teaser")
    assert found.reason == "paywall teaser"
    assert len(found.body) == 2 and found.body[0].startswith("For forty years")
    assert not any("Subscribe" in p or "subscriber" in p for p in found.body)
    assert found.authors == ("Dana Whitfield",)


def test_consent_wall_gives_no_body_and_says_so() -> None:
    found = _fixture("consent-wall")
    assert found.body == ()
    assert found.reason == "consent wall"


def test_amp_page() -> None:
    found = _fixture("amp-article", "https://www.diario.example/amp/economia/reforma.html")
    assert found.title == "El Gobierno aprueba la reforma de las pensiones"
    assert found.canonical_url == (
        "https://www.diario.example/economia/2023/03/16/reforma-pensiones.html"
    )
    assert found.language == "es"
    assert found.authors == ("Lucía Fernández",)
    assert found.image == "https://img.diario.example/2023/03/16/pensiones.jpg"
    assert len(found.body) == 3
    assert not any(word in " ".join(found.body) for word in ("Publicidad", "Portada", "EFE"))


def test_json_ld_author_wins_over_a_disagreeing_visible_byline() -> None:
    # Structured data is what the publisher declares; the visible byline is found by guesswork.
    found = _fixture("jsonld-byline-disagree")
    assert found.authors == ("Helen Park",)
    assert len(found.body) == 3


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (
            "<html><head><title>Just a moment...</title></head><body><div class='cf-challenge'>"
            "Checking your browser before accessing the site.</div></body></html>",
            "bot check",
        ),
        (
            "<html><head><title>Page not found | Example News</title></head><body><h1>404</h1>"
            "<p>Sorry, we could not find that page.</p></body></html>",
            "error page",
        ),
        ("<html><body><div></div></body></html>", "no article text found"),
        ("", "empty page"),
    ],
    ids=["bot-check", "error-page", "no-text", "empty"],
)
def test_pages_without_an_article_say_why(html: str, reason: str) -> None:
    found = article(html, "https://news.example/story")
    assert found.body == ()
    assert found.reason == reason


_SENTENCE = "The council said on Tuesday that the new budget, agreed after weeks of talks, would"


def _paragraphs(count: int, tag: str = "p") -> str:
    return "".join(f"<{tag}>{_SENTENCE} cover item {n}.</{tag}>" for n in range(count))


def test_several_article_elements_and_a_body_split_across_containers() -> None:
    html = (
        "<html><body><article><h1>Budget agreed</h1><div class='story-body'>"
        f"{_paragraphs(3)}</div><div class='ad-slot'>Advertisement</div>"
        f"<div class='story-body'>{_paragraphs(3)}</div></article>"
        "<article class='teaser'><h2><a href='/other'>Another story</a></h2></article>"
        "</body></html>"
    )
    found = article(html, "https://news.example/budget")
    assert len(found.body) == 6
    assert "Another story" not in " ".join(found.body)


def test_tables_and_lists_in_the_body_are_kept() -> None:
    html = (
        f"<html><body><article>{_paragraphs(3)}<ul><li>{_SENTENCE} schools.</li>"
        f"<li>{_SENTENCE} roads.</li></ul><table><caption>Spending</caption>"
        "<tr><th>Item</th><th>Amount</th></tr><tr><td>Schools</td><td>£4m</td></tr></table>"
        "</article></body></html>"
    )
    text = " ".join(article(html, "https://news.example/budget").body)
    assert "would schools." in text and "would roads." in text and "£4m" in text


def test_lazy_images_rtl_text_and_no_paragraphs() -> None:
    arabic = "قال المجلس يوم الثلاثاء إن الميزانية الجديدة، التي تم الاتفاق عليها بعد أسابيع"
    html = (
        f"<html dir='rtl' lang='ar'><body><div class='content'>"
        f"<img data-src='/a.jpg' src='data:image/gif;base64,R0lGOD'>{arabic} 1.<br><br>"
        f"{arabic} 2.<br><br>{arabic} 3.<br><br>{arabic} 4.<br><br>{arabic} 5.<br><br>"
        f"{arabic} 6.<br><br>{arabic} 7.</div></body></html>"
    )
    found = article(html, "https://news.example/ar")
    assert found.language == "ar"
    assert found.body[0] == f"{arabic} 1." and len(found.body) == 7


def test_malformed_and_very_large_pages() -> None:
    malformed = f"<html><body><div><p>{_SENTENCE} a.<p>{_SENTENCE} b.</div></span>" + (
        f"<p><b><i>{_SENTENCE} c.</b></i>" * 5
    )
    assert len(article(malformed, "https://news.example/m").body) == 7
    large = "<html><body><article>" + _paragraphs(5000) + "</article></body></html>"
    assert len(article(large, "https://news.example/l").body) == 5000


def test_control_characters_never_enter_the_article() -> None:
    """A terminal escape hidden in a page must not reach a terminal through `show` or `diff`."""
    paragraph = "The council met on Tuesday \x1b[2J\x1b[31mto vote\x07 on the new budget plan."
    body = f"<p>{paragraph} It was long.</p>" * 4
    html = (
        "<html><head><title>Budget \x1b]0;pwned\x07vote</title></head><body><article>"
        f"<h1>Budget vote\x1b[0m</h1>{body}</article></body></html>"
    )
    found = article(html, "https://example.com/a")
    texts = [found.title, *found.body]
    assert found.body
    assert not any(char in text for text in texts for char in "\x1b\x07")


def test_a_consent_managers_panel_beside_the_article_never_becomes_the_body() -> None:
    """A OneTrust-style preference centre, longer than the article, and a consent dialog
    marked only by its role: the body is the article, all of it, and nothing of the panels."""
    found = _fixture("consent-beside-article", "https://courier.example/news/ferry")
    text = " ".join(found.body)
    assert found.reason is None
    for sentence in ("will run again from Monday", "the long road round", "fourteen once"):
        assert sentence in text
    for panel in ("Consent", "Always Active", "cookies", "Weiter mit Werbung", "Cookies"):
        assert panel not in text
    assert found.title == "Harbour ferry service to resume after storm repairs"


def test_a_more_from_the_author_list_never_becomes_the_body() -> None:
    found = _fixture("more-from-author", "https://herald.example/news/library")
    assert len(found.body) == 3
    assert found.body[0].startswith("The central library will close at five")
    assert not any("More from" in p or "Bridge tolls" in p for p in found.body)


def test_subheads_lists_tables_and_quotes_stay_in_the_body_in_reading_order() -> None:
    found = _fixture("subheads-lists-table", "https://times.example/money/water")
    body = list(found.body)
    for paragraph in (
        "Who pays more",
        "Homes with a garden or a pool: up to 9 euros more a month.",
        "Who pays less",
        "New tariff per cubic metre",
        "Monthly use | Old price | New price",
        "First 6 m³ | 1.80 € | 1.44 €",
        "How to appeal",
        "Find your customer number on the bill.",
    ):
        assert paragraph in body
    assert body.index("Who pays more") < body.index("Who pays less") < body.index("How to appeal")
    assert any(p.startswith("“A household that pays attention") for p in body)
    assert body[-1].startswith("Appeals are free")
    assert not any("Share" in p for p in body)


def test_the_stated_article_body_picks_the_container_over_a_wordier_box() -> None:
    """JSON-LD articleBody is evidence for the right container: a box of teasers with more
    text and commas loses to the element that holds the stated text."""
    paragraphs = [
        f"Paragraph {n} of the council story, about the budget vote on Tuesday night."
        for n in "12345"
    ]
    teaser = "A long teaser, with commas, and more commas, and still more, to score high, " * 4
    stated = " ".join(paragraphs)
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle",'
        f' "headline": "Budget vote", "articleBody": "{stated}"}}</script></head><body>'
        f"<div class='c-1'>{''.join(f'<p>{p}</p>' for p in paragraphs)}</div>"
        f"<div class='c-2'>{''.join(f'<p>{teaser}</p>' for _ in range(4))}</div></body></html>"
    )
    found = article(html, "https://council.example/budget")
    assert list(found.body) == paragraphs


def test_a_story_cut_in_two_by_an_ad_row_is_read_whole_and_in_order() -> None:
    first = [
        f"Opening paragraph {n}, which sets out what the council decided on Tuesday." for n in "12"
    ]
    second = [
        f"Later paragraph {n}, with the reactions of residents, traders and the opposition, "
        "who called the vote rushed, and the details of the budget that was agreed."
        for n in "3456"
    ]

    def story(paragraphs: list[str]) -> str:
        inner = "".join(f"<p class='story-text__p'>{p}</p>" for p in paragraphs)
        return f"<section class='row'><div class='col'><div class='story-text'>{inner}</div></div>"

    html = (
        "<html><head><title>Budget vote</title></head><body><h1>Budget vote</h1>"
        f"{story(first)}</section><section class='row ad-row'><div class='col'>Advertisement</div>"
        f"</section>{story(second)}</section></body></html>"
    )
    assert list(article(html, "https://council.example/vote").body) == first + second


@pytest.mark.parametrize(
    "label", ["Lea también:", "LE PUEDE INTERESAR:", "Veja também:", "Czytaj też:", "Read more:"]
)
def test_an_inline_teaser_line_is_a_related_link_not_text(label: str) -> None:
    sentence = (
        "The council voted on Tuesday, after a long debate, to approve the budget for next year."
    )
    html = (
        "<html><body><div class='story'>"
        + f"<p>{sentence}</p>" * 3
        + f"<p>{label} <a href='/other'>Mayor resigns over tram contract</a></p>"
        + f"<p>{sentence}</p>" * 2
        + "</div></body></html>"
    )
    found = article(html, "https://council.example/vote")
    assert list(found.body) == [sentence] * 5
    assert [link.text for link in found.related] == ["Mayor resigns over tram contract"]


@pytest.mark.parametrize(
    ("heading", "teaser"),
    [
        ("Most read", True),
        ("Meistgelesene Artikel", True),
        ("More from Tomás Brennan", True),
        ("Die Redaktion empfiehlt", True),
        ("Related", True),
        ("Popular uprising spreads to the capital", False),
        ("Trending downwards: what the figures say", False),
        ("Who pays more", False),
    ],
)
def test_teaser_headings(heading: str, teaser: bool) -> None:
    assert is_teaser_heading(heading) is teaser


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("ByTravis Haney", ("Travis Haney",)),
        ("By Laura E. Adkins", ("Laura E. Adkins",)),
        (
            "Isabel Caro, Rocío Latorre y José Miguel Wilson",
            ("Isabel Caro", "Rocío Latorre", "José Miguel Wilson"),
        ),
        ("Byron Smith", ("Byron Smith",)),
    ],
)
def test_byline_names(byline: str, names: tuple[str, ...]) -> None:
    html = f"<html><body><h1>Storm</h1><p class='byline'>{byline}</p></body></html>"
    assert article(html, "https://daily.example/storm").authors == names


def test_an_author_given_as_a_profile_url_is_named_by_the_pages_link_to_it() -> None:
    html = (
        "<html><head><meta name='author' content='https://daily.example/editors/jon-fingas'>"
        "</head><body><h1>Storm</h1><div class='th-meta'>"
        "<a href='https://daily.example/editors/jon-fingas/'>Jon Fingas</a></div></body></html>"
    )
    assert article(html, "https://daily.example/storm").authors == ("Jon Fingas",)


def test_the_sites_name_in_a_byline_is_no_author() -> None:
    html = (
        "<html><head><meta property='og:site_name' content='The Daily Example'></head><body>"
        "<h1>Storm</h1><div class='byline'>Sam Stein Senior Politics Editor, The Daily Example"
        "<span class='author-name'>Sam Stein</span></div></body></html>"
    )
    assert article(html, "https://daily.example/storm").authors == ("Sam Stein",)


def test_a_metered_sites_paywall_paragraphs_are_article_text() -> None:
    sentence = (
        "The council voted on Tuesday, after a long debate, to approve the budget for next year."
    )
    html = (
        "<html><body><article><h1>Budget</h1>"
        + f"<p>{sentence}</p>" * 2
        + f"<p class='paywall'>{sentence} More.</p>" * 3
        + "<p class='paywall-message'>Subscribe to keep reading</p></article></body></html>"
    )
    body = article(html, "https://council.example/vote").body
    assert body == (sentence, sentence, *[f"{sentence} More."] * 3)


def test_the_articles_own_author_beats_the_sites_author_meta() -> None:
    html = (
        "<html><head><meta name='author' content='Condé Nast'>"
        "<meta property='article:author' content='https://facebook.example/larry'>"
        "<meta property='article:author' content='Larry Fitzmaurice'></head>"
        "<body><h1>Review</h1></body></html>"
    )
    assert article(html, "https://music.example/review").authors == ("Larry Fitzmaurice",)


@pytest.mark.parametrize(
    "byline",
    [
        "<div class='_ceVT'>By <span class='rlwyg'>Yomi Kazeem</span></div>",
        "<div class='iDmZj'><span class='xTl'>By</span> <span>Yomi Kazeem and Ann Lee</span></div>",
    ],
)
def test_a_by_line_without_a_telling_class_names_the_authors(byline: str) -> None:
    html = f"<html><body><h1>Nigeria's economy</h1>{byline}<p>Text of the story.</p></body></html>"
    assert article(html, "https://qz.example/economy").authors[0] == "Yomi Kazeem"


@pytest.mark.parametrize(
    ("meta", "visible", "names"),
    [
        ("Gillman, Steve", "", ("Steve Gillman",)),  # surname first
        ("mikecason", "By Mike Cason", ("Mike Cason",)),  # a user name is no person
        ("AFP", "By Sébastien Farcis", ("Sébastien Farcis",)),  # an agency only when alone
        ("AFP", "", ("AFP",)),
    ],
)
def test_author_sources_in_order_a_person_first(meta: str, visible: str, names: tuple) -> None:
    byline = f"<p class='byline'>{visible}</p>" if visible else ""
    html = (
        f"<html><head><meta name='author' content='{meta}'></head>"
        f"<body><h1>Storm</h1>{byline}</body></html>"
    )
    assert article(html, "https://daily.example/storm").authors == names


@pytest.mark.parametrize("css", ["writer", "article-reporter", "autor", "firma-autor"])
def test_byline_classes_in_other_words(css: str) -> None:
    html = (
        f"<html><body><h1>地震</h1><span class='{css}'>松村太郎</span><p>本文。</p></body></html>"
    )
    assert article(html, "https://news.example.jp/a").authors == ("松村太郎",)
