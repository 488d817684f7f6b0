"""Guards against false changes, alone and through the pipeline."""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from worker import guard
from worker.fetch import Fetcher
from worker.pipeline import Pipeline
from worker.settings import GuardSettings, HttpSettings, Settings, WatchSettings
from worker.types import Article, WatchState

URL = "https://news.example/story"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETTINGS = GuardSettings(confirm_checks=3, min_words=20, removal_checks=3)


def _article(*paragraphs: str, reason: str | None = None) -> Article:
    return Article(url=URL, title="T", body=paragraphs, reason=reason)


LONG = tuple(
    f"Paragraph {n} tells the reader something new about the story today." for n in range(8)
)


@pytest.mark.parametrize(
    ("article", "previous", "expected"),
    [
        (_article(*LONG), None, None),
        (_article(*LONG), _article(*LONG[:6]), None),
        (_article(), None, "no article body"),
        (_article(*LONG, reason="consent wall"), None, "looks like a consent wall"),
        (_article("Too short to be an article."), None, "below the minimum"),
        (_article(*LONG[:3]), _article(*LONG), "shrank from 88 to 33 words"),
    ],
    ids=["fine", "modest-cut", "empty", "consent", "tiny", "collapse"],
)
def test_suspicion(article, previous, expected):
    found = guard.suspicion(article, previous, SETTINGS)
    assert found == expected if expected is None else expected in found


def test_hold_confirms_only_the_same_content_in_a_row():
    state = WatchState()
    state, ok = guard.hold(state, "b", SETTINGS)
    state, ok2 = guard.hold(state, "b", SETTINGS)
    assert (ok, ok2, state.hold_count) == (False, False, 2)
    state, ok = guard.hold(state, "c", SETTINGS)  # something else resets the count
    assert (ok, state.hold_hash, state.hold_count) == (False, "c", 1)
    state, _ = guard.hold(state, "c", SETTINGS)
    state, ok = guard.hold(state, "c", SETTINGS)
    assert ok
    assert (state.hold_hash, state.hold_count) == (None, 0)


def test_removal_needs_checks_and_time():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    state, removal = WatchState(), False
    for hours in (0, 1, 2):  # three checks, but only two hours
        state, removal = guard.gone(state, start + timedelta(hours=hours), SETTINGS)
    assert not removal
    state, removal = guard.gone(state, start + timedelta(hours=7), SETTINGS)
    assert removal and state.removed
    state, removal = guard.gone(state, start + timedelta(hours=8), SETTINGS)
    assert not removal  # a removal is reported once
    state, was_removed = guard.back(state)
    assert was_removed
    assert (state.removed, state.gone_checks, state.gone_since) == (False, 0, None)


# -- through the pipeline -----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 8, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _page(title: str, paragraphs: tuple[str, ...]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='en'><head><title>{title}</title></head><body><nav>Home</nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>(c) News</footer></body></html>"
    ).encode()


def _paragraphs(prefix: str, count: int = 6) -> tuple[str, ...]:
    return tuple(
        f"{prefix} paragraph {n}, with enough words in it to count as real article text, "
        f"as newspapers write them every day."
        for n in range(count)
    )


A = _page("Minister resigns", _paragraphs("First"))
B = _page("Minister resigns after vote", _paragraphs("Second"))
GUTTED = _page("Minister resigns", _paragraphs("First", 1))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def pipe(store, clock):
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        guard=GuardSettings(confirm_checks=3, min_words=20, removal_after=timedelta(hours=6)),
    )
    fetcher = Fetcher(settings.http)
    yield Pipeline(settings, store, fetcher, clock=clock, rng=random.Random(1))
    fetcher.close()


@pytest.fixture
def site(store):
    store.add_watch(URL)
    with respx.mock:
        yield respx.get(URL)


def _serve(route, body: bytes, status: int = 200) -> None:
    route.mock(
        return_value=httpx.Response(status, content=body, headers={"Content-Type": "text/html"})
    )


def _check(pipe, store, clock, minutes: int = 10):
    clock.now += timedelta(minutes=minutes)
    [watch] = store.claim_all("t", clock.now, timedelta(minutes=5))
    return pipe.check(watch)


def _outcomes(pipe, store, clock, route, pages):
    result = []
    for page in pages:
        _serve(route, page)
        result.append(_check(pipe, store, clock).outcome)
    return result


def test_gutted_page_is_held_until_it_persists(pipe, store, clock, site):
    outcomes = _outcomes(pipe, store, clock, site, [A, GUTTED, GUTTED, A])
    assert outcomes == ["new", "held", "held", "unchanged"]
    assert store.recent_changes(limit=None) == []
    outcomes = _outcomes(pipe, store, clock, site, [GUTTED, GUTTED, GUTTED])
    assert outcomes == ["held", "held", "changed"]
    assert [c.to_version for c, _ in store.recent_changes(limit=None)] == [2]


def test_held_check_says_why_and_retries_soon(pipe, store, clock, site):
    _outcomes(pipe, store, clock, site, [A])
    _serve(site, GUTTED)
    record = _check(pipe, store, clock)
    assert "shrank" in record.error and "seen 1 of 3" in record.error
    assert record.next_check_at - record.started_at == timedelta(minutes=5)


def test_empty_page_is_never_recorded(pipe, store, clock, site):
    empty = b"<html><body><nav><a href='/'>Home</a></nav></body></html>"
    assert _outcomes(pipe, store, clock, site, [empty] * 4) == ["held"] * 4
    assert store.versions_of(store.watch_id(URL)) == []


def test_a_first_page_held_is_read_again_until_it_is_stored(pipe, store, clock, site):
    """A held check keeps no page key on the watch, so the same bytes are parsed again (never
    skipped as unchanged while no version is stored), and stored once they persisted."""
    short = _page(
        "Minister resigns",
        ("The minister resigned on Monday after a vote in parliament went against him.",),
    )
    outcomes = _outcomes(pipe, store, clock, site, [short] * 4)
    assert outcomes == ["held", "held", "new", "unchanged"]
    assert [s.version for s in store.versions_of(store.watch_id(URL))] == [1]


def test_flapping_between_two_versions_is_recorded_once(pipe, store, clock, site):
    outcomes = _outcomes(pipe, store, clock, site, [A, B, A, B, A, B, A, B])
    assert outcomes == ["new", "changed", "held", "unchanged"] * 1 + ["held", "unchanged"] * 2
    assert [c.to_version for c, _ in store.recent_changes(limit=None)] == [2]


def test_a_revert_that_persists_points_at_the_earlier_version(pipe, store, clock, site):
    outcomes = _outcomes(pipe, store, clock, site, [A, B, A, A, A])
    assert outcomes == ["new", "changed", "held", "held", "changed"]
    latest, _ = store.recent_changes(limit=None)[0]
    assert (latest.kind, latest.reverts_to, latest.to_version) == ("revert", 1, 3)
    assert "reverted to the content of version 1" in latest.summary


def test_removal_and_return_are_their_own_events(pipe, store, clock, site):
    _outcomes(pipe, store, clock, site, [A])
    _serve(site, b"gone", status=404)
    for _ in range(3):
        assert _check(pipe, store, clock, minutes=60).outcome == "error"
    assert store.recent_changes(limit=None) == []  # three checks, but not yet six hours
    record = _check(pipe, store, clock, minutes=240)
    [(removal, _)] = store.recent_changes(limit=None)
    assert (removal.kind, removal.fields, removal.significance) == ("removed", [], "major")
    assert removal.disclosure == "silent"  # the page gave no notice of it
    # The removal is a failure too: the watch keeps backing off, it is not young again.
    [(_, first_stage), *_] = pipe.settings.schedule.stages
    assert record.next_check_at - record.started_at > first_stage * 4
    _check(pipe, store, clock, minutes=240)
    assert len(store.recent_changes(limit=None)) == 1  # reported once
    _serve(site, A)
    assert _check(pipe, store, clock).outcome == "unchanged"
    kinds = [c.kind for c, _ in store.recent_changes(limit=None)]
    assert kinds == ["restored", "removed"]


# -- noise learned per site ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "key"),
    [
        ("Most read: Minister resigns after vote", "most read"),
        ("MOST READ — Storm hits the coast", "most read"),
        ("Sponsored", "sponsored"),
        (" ".join(["word"] * 41), None),
        ("", None),
    ],
    ids=["teaser", "case-and-dash", "one-word", "long-paragraph", "empty"],
)
def test_noise_key(paragraph, key):
    assert guard.noise_key(paragraph) == key


def test_noise_candidate_needs_a_body_only_change_of_one_kind():
    old = _article(*LONG, "Most read: Storm hits the coast")
    new = _article(*LONG, "Most read: Minister resigns")
    assert guard.noise_candidate(old, new, ("body",)) == "most read"
    assert guard.noise_candidate(old, new, ("title", "body")) is None
    edited = _article("A different first paragraph.", *LONG[1:], "Most read: Minister resigns")
    assert guard.noise_candidate(old, edited, ("body",)) is None


@pytest.mark.parametrize(
    "after",
    [
        (*LONG, "Most read: Storm hits the coast", "The mayor said she supports the plan."),
        (*LONG,),
        (*LONG, "Most read: Storm hits the coast tonight"),
    ],
    ids=["added", "removed", "edited-a-little"],
)
def test_an_added_removed_or_lightly_edited_paragraph_is_no_rotation(after):
    """Only a paragraph whose text after its first words was replaced can be site noise:
    an ordinary paragraph that appears, goes or is edited is a change of the article."""
    old = _article(*LONG, "Most read: Storm hits the coast")
    assert guard.noise_candidate(old, _article(*after), ("body",)) is None


def test_without_noise_drops_only_learned_paragraphs():
    article = _article(*LONG[:2], "Most read: Storm hits the coast")
    assert guard.without_noise(article, {"most read"}).body == LONG[:2]
    assert guard.without_noise(article, set()) is article


def _story(n: int, teaser: str, updated: str = "") -> bytes:
    paragraphs = (*_paragraphs(f"Story {n}"), f"Most read: {teaser}")
    return _page(f"Story number {n}", (updated, *paragraphs) if updated else paragraphs)


@pytest.mark.parametrize("updated", ["", "Updated {} minutes ago"])
def test_a_rotating_block_is_learned_after_three_articles(store, pipe, clock, updated):
    """Also on pages whose "Updated N minutes ago" line moves at every fetch: the learner
    reads the bodies as the differ does, without such lines."""
    urls = [f"https://news.example/story-{n}" for n in range(4)]
    for url in urls:
        store.add_watch(url)
    outcomes = []
    with respx.mock:
        teasers = ["Storm hits", "Minister resigns", "Prices rise", "Team wins"]
        for round_, teaser in enumerate(teasers):
            for n, url in enumerate(urls):
                respx.get(url).mock(
                    return_value=httpx.Response(
                        200,
                        content=_story(n, f"{teaser} {round_}", updated.format(round_ * 7 + n)),
                        headers={"Content-Type": "text/html"},
                    )
                )
            clock.now += timedelta(minutes=20)
            for watch in store.claim_all("t", clock.now, timedelta(minutes=5)):
                outcomes.append(pipe.check(watch).outcome)
    # Round 1 captures. A rotation counts once an article showed it twice (a block that
    # rotates does so on every fetch): rounds 2 and 3 teach the rule on three articles, and
    # the fourth article's second rotation is already quiet.
    assert outcomes[:4] == ["new"] * 4
    assert outcomes[4:8] == ["changed"] * 4
    assert outcomes[8:12] == ["changed", "changed", "changed", "unchanged"]
    assert outcomes[12:] == ["unchanged"] * 4
    [rule] = store.noise_rules("news.example")
    assert (rule.key, rule.learned, len(set(rule.watch_ids))) == ("most read", True, 4)
    assert rule.sample.startswith("Most read:")
    assert store.learned_noise(urls[0]) == {"most read"}
    store.forget_noise("news.example", "most read")
    assert store.learned_noise(urls[0]) == frozenset()


def _serve_story(url: str, title: str, paragraphs: tuple[str, ...]) -> None:
    respx.get(url).mock(
        return_value=httpx.Response(
            200, content=_page(title, paragraphs), headers={"Content-Type": "text/html"}
        )
    )


def _watch_stories(store) -> list[str]:
    urls = [f"https://news.example/story-{n}" for n in range(4)]
    for url in urls:
        store.add_watch(url)
    return urls


def _check_rounds(store, pipe, clock, urls: list[str], rounds: list[dict]) -> list[str]:
    """Serve each round's pages (article number -> paragraphs), check every watch, 20 min
    apart; the outcomes in order."""
    outcomes = []
    with respx.mock:
        for pages in rounds:
            for n, url in enumerate(urls):
                _serve_story(url, f"Story number {n}", pages[n])
            clock.now += timedelta(minutes=20)
            for watch in store.claim_all("t", clock.now, timedelta(minutes=5)):
                outcomes.append(pipe.check(watch).outcome)
    return outcomes


def test_paragraphs_added_to_several_articles_are_not_learned_as_noise(store, pipe, clock):
    """Three articles that each gain an ordinary paragraph starting "The mayor" teach
    nothing: a later edit of such a paragraph in a fourth article is still a change."""
    urls = _watch_stories(store)
    supports = "The mayor said she supports the plan and will sign it into law next week."
    added = "The mayor also thanked the volunteers who cleared the streets after the storm."
    rounds = [
        {n: _paragraphs(f"Story {n}") for n in range(3)} | {3: (*_paragraphs("S3"), supports)},
        {n: (*_paragraphs(f"Story {n}"), added) for n in range(3)}
        | {3: (*_paragraphs("S3"), supports)},
        {n: (*_paragraphs(f"Story {n}"), added) for n in range(3)}
        | {3: (*_paragraphs("S3"), supports.replace("supports", "opposes"))},
    ]
    outcomes = _check_rounds(store, pipe, clock, urls, rounds)
    assert outcomes == ["new"] * 4 + ["changed"] * 3 + ["unchanged"] * 4 + ["changed"]
    assert store.learned_noise(urls[3]) == frozenset()


def test_one_rewrite_per_article_teaches_no_rule(store, pipe, clock):
    """Three articles that each rewrite a "The mayor ..." paragraph once are three edits, not
    a rotating block: a fourth article's rewrite is still a change."""
    urls = _watch_stories(store)
    before = "The mayor said the vote would be held on Monday."
    after = "The mayor announced that the vote was cancelled and the council dissolved."
    rounds = [
        {n: (*_paragraphs(f"Story {n}"), before) for n in range(4)},
        {n: (*_paragraphs(f"Story {n}"), after if n < 3 else before) for n in range(4)},
        {n: (*_paragraphs(f"Story {n}"), after) for n in range(4)},
    ]
    outcomes = _check_rounds(store, pipe, clock, urls, rounds)
    assert outcomes == ["new"] * 4 + ["changed"] * 3 + ["unchanged"] * 4 + ["changed"]
    assert store.learned_noise(urls[3]) == frozenset()


CONSENT = (FIXTURES / "extract" / "consent-wall.html").read_bytes()
PAYWALL = (FIXTURES / "extract" / "paywall-teaser.html").read_bytes()
ERROR_PAGE = _page("Page not found", ("Sorry, the page you asked for could not be found.",))


@pytest.mark.parametrize(
    "fault", [CONSENT, PAYWALL, ERROR_PAGE, GUTTED], ids=["consent", "paywall", "error", "cut"]
)
def test_a_fault_in_a_series_makes_no_change_and_no_phantom_later(pipe, store, clock, site, fault):
    outcomes = _outcomes(pipe, store, clock, site, [A, fault, A, B, fault, B])
    assert outcomes == ["new", "held", "unchanged", "changed", "held", "unchanged"]
    [(change, _)] = store.recent_changes(limit=None)
    assert (change.from_version, change.to_version, change.kind) == (1, 2, "edit")


def test_a_chinese_article_is_counted_by_characters_not_spaces() -> None:
    paragraph = "北京市政府周三宣布，从下月起将延长地铁运营时间，以方便夜间出行的市民。" * 2
    article = Article(url="https://news.example/cn", title="地铁延时", body=(paragraph,))
    assert guard.word_count(article) == len(paragraph)
    assert guard.suspicion(article, None, GuardSettings()) is None


def test_prefix_rules_hide_short_paragraphs_and_refuse_article_text():
    teaser = "Sponsored: a new phone you will love"
    long_one = "Sponsored research shows " + "that the council spent the money well, " * 8
    article = _article(*LONG[:2], teaser, long_one)
    kept, [effect] = guard.without_prefixes(article, [guard.prefix_key("SPONSORED:")])
    assert kept.body == (*LONG[:2], long_one)
    assert (effect.kind, effect.key, effect.removed, effect.refused) == (
        "prefix", "sponsored", 1, 1,
    )  # fmt: skip
    assert guard.prefix_key("Most read -- today") == "most read today"
    assert guard.without_prefixes(article, [])[0] is article


def _rotating(teaser: str, extra: str = "") -> tuple[str, ...]:
    return (*_paragraphs("Story"), f"Sponsored: {teaser}", *([extra] if extra else []))


def test_an_operator_prefix_rule_hides_its_box_from_the_next_check_on(store, pipe, clock):
    """One article's rotating teaser cannot be learned (it needs three articles); a rule
    added by hand hides it from the next check on, and no change is reported for it."""
    url = "https://news.example/story-0"
    store.add_watch(url)
    rounds = [{0: _rotating(t)} for t in ("phones", "cars")]
    assert _check_rounds(store, pipe, clock, [url], rounds) == ["new", "changed"]
    store.add_noise_rule("news.example", "prefix", guard.prefix_key("Sponsored"))
    rounds = [{0: _rotating(t)} for t in ("shoes", "boats", "tea")]
    assert _check_rounds(store, pipe, clock, [url], rounds) == ["unchanged"] * 3
    [rule] = [r for r in store.noise_rules("news.example") if r.kind == "prefix"]
    assert (rule.removed, rule.refused, rule.last_applied is not None) == (1, 0, True)


def _pipe_with_watch_rules(store, clock, url: str, selectors: list[str]) -> Pipeline:
    settings = Settings(
        http=HttpSettings(per_host_delay=timedelta(0), retries=0),
        guard=GuardSettings(confirm_checks=3, min_words=20),
        watch=[WatchSettings(url=url, ignore=selectors)],
    )
    store.sync_config_noise(settings.watch, settings.source)
    return Pipeline(settings, store, Fetcher(settings.http), clock=clock, rng=random.Random(1))


def _boxed(teaser: str) -> bytes:
    box = f"<div class='slot'><p>Today the readers liked the {teaser} story best.</p></div>"
    paragraphs = [f"<p>{p}</p>" for p in _paragraphs("Story")]
    return (
        "<html lang='en'><head><title>Story</title></head><body><article><h1>Story</h1>"
        f"{''.join(paragraphs[:3])}{box}{''.join(paragraphs[3:])}</article></body></html>"
    ).encode()


def test_a_selector_rule_from_the_config_hides_its_box_without_reporting_a_change(store, clock):
    """A selector added after versions were stored reads the stored page again with it, so
    adding the rule reports nothing; the box rotating afterwards is never a change."""
    url = "https://news.example/boxed"
    store.add_watch(url)
    plain = _pipe_with_watch_rules(store, clock, url, [])
    outcomes = []
    with respx.mock:
        for teaser in ("storm", "vote"):
            _serve(respx.get(url), _boxed(teaser))
            outcomes.append(_check(plain, store, clock).outcome)
        ruled = _pipe_with_watch_rules(store, clock, url, ["div.slot"])
        for teaser in ("prices", "match", "prices"):
            _serve(respx.get(url), _boxed(teaser))
            outcomes.append(_check(ruled, store, clock).outcome)
    assert outcomes == ["new", "changed", "unchanged", "unchanged", "unchanged"]
    [rule] = [r for r in store.noise_rules() if r.kind == "selector"]
    assert (rule.from_config, rule.scope, rule.removed) == (True, [url], 1)


def test_a_selector_that_would_swallow_the_article_hides_nothing_and_says_so(store, clock):
    url = "https://news.example/boxed"
    store.add_watch(url)
    pipe = _pipe_with_watch_rules(store, clock, url, ["article"])
    with respx.mock:
        _serve(respx.get(url), _boxed("storm"))
        record = _check(pipe, store, clock)
    assert record.outcome == "new", record.error
    assert len(record.article.body) >= 6
    [rule] = [r for r in store.noise_rules() if r.kind == "selector"]
    assert (rule.removed, rule.refused) == (0, 1)
