"""How worker.diff grades edits, and the evidence it shows for them.

Meaning changes (facts, numbers, names, negation, attribution, hedging, modality, dates,
quotes) are at least substantive; punctuation, spacing, number formatting, spelling fixes, a
full stop added and word order are trivial or minor. Evidence is the article's own text.
Real labelled revisions (fixtures/diff/revisions.jsonl, see its SOURCES.md) are graded too.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from worker import diff
from worker.diff import _lexicon
from worker.diff._lexicon import LOOKUPS, Lexicon
from worker.types import Article, Change

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diff"
URL = "https://news.example/2024/05/story"
AROUND = (
    "The city council met on Monday evening to discuss the proposals.",
    "Members of the public were invited to comment before the vote.",
)
AFTER = ("The meeting lasted more than three hours, officials said.",)
LOW = ("trivial", "minor")
HIGH = ("substantive", "major")


def article(paragraph: str, *, language: str | None = "en", **fields: object) -> Article:
    """An article whose third paragraph is `paragraph`, among untouched ones."""
    body = (*AROUND, paragraph, *AFTER)
    return Article(url=URL, title="Council approves budget", language=language, body=body, **fields)  # type: ignore[arg-type]


def graded(before: str, after: str, **fields: object) -> Change:
    change = diff.compare(article(before, **fields), article(after, **fields))
    assert change is not None
    return change


# --- real revisions, labelled by people


def revisions() -> list[pytest.param]:
    lines = (FIXTURES / "revisions.jsonl").read_text(encoding="utf-8").splitlines()
    pairs = [json.loads(line) for line in lines if line.strip()]
    return [pytest.param(pair, id=pair["id"]) for pair in pairs]


@pytest.mark.parametrize("pair", revisions())
def test_a_labelled_revision_is_graded_in_its_band(pair: dict[str, str]) -> None:
    change = graded(pair["before"].strip(), pair["after"].strip())
    band = HIGH if pair["intent"] == "meaning-changed" else LOW
    assert change.significance in band, change.reasons


# --- meaning changes


SENTENCE = "Mr Jones has admitted on Thursday that he has had surgery, his lawyer said."


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        pytest.param("said", "claimed", "attribution changed", id="attribution"),
        pytest.param("has admitted", "has allegedly admitted", "hedging changed", id="hedging"),
        pytest.param("Thursday", "Wednesday", "date or time changed", id="day"),
        pytest.param("has had surgery", "has resigned", "words replaced", id="clause"),
        pytest.param("has had", "may have had", "modality changed", id="modality"),
        pytest.param("has admitted", "has not admitted", "negation changed", id="negation"),
        pytest.param("Mr Jones", "Mr Smith", "names changed", id="name"),
        pytest.param("his lawyer", "her lawyer", "person changed (he / she)", id="pronoun"),
        pytest.param("surgery", "surgery twice", "words added", id="word-added"),
        # A downtoner is no intensifier: 'slightly' or 'almost' qualifies the fact.
        pytest.param("has had surgery", "has almost had surgery", "words added", id="almost"),
        pytest.param("had surgery", "had minor surgery", "words added", id="qualifier"),
    ],
)
def test_a_meaning_change_is_at_least_substantive(old: str, new: str, reason: str) -> None:
    change = graded(SENTENCE, SENTENCE.replace(old, new))
    assert change.significance in HIGH
    assert reason in change.reasons, change.reasons


def test_a_day_changed_is_a_date_not_a_name() -> None:
    change = graded(SENTENCE, SENTENCE.replace("Thursday", "Wednesday"))
    assert change.reasons == ("date or time changed",)


def test_numbers_changed_and_a_changed_quote() -> None:
    numbers = graded("The fire destroyed 200 homes.", "The fire destroyed 300 homes.")
    assert (numbers.significance, numbers.reasons) == ("substantive", ("numbers changed",))
    quote = graded('"We will rebuild," she said.', '"We might rebuild," she said.')
    assert quote.reasons == ("modality changed", "quotation changed")
    fixed = graded('"We will rebiuld," she said.', '"We will rebuild," she said.')
    assert fixed.reasons == ("spelling corrected",)


# --- edits that change no meaning


@pytest.mark.parametrize(
    ("before", "after", "level", "reason"),
    [
        pytest.param("It was the 11th attempt.", "It was the eleventh attempt.", "trivial",
                     "numbers written otherwise", id="ordinal-words"),
        pytest.param("About 200 people came.", "About two hundred people came.", "trivial",
                     "numbers written otherwise", id="number-words"),
        pytest.param("It began at 0900 local time.", "It began at 09:00 local time.", "trivial",
                     "numbers written otherwise", id="clock"),
        pytest.param("The rules are complx.", "The rules are complex.", "trivial",
                     "spelling corrected", id="typo-fixed"),
        pytest.param("The rules are complex.", "The rules are complx.", "minor",
                     "typo introduced", id="typo-introduced"),
        pytest.param("The vote was close , critics left.", "The vote was close. Critics left.",
                     "trivial", "punctuation or case only", id="full-stop-added"),
        pytest.param("Talks in the U.K. resumed.", "Talks in the UK resumed.", "trivial",
                     "punctuation or spacing only", id="initials"),
        pytest.param("Yesterday the mayor resigned.", "The mayor resigned yesterday.", "minor",
                     "word order changed", id="word-order"),
        pytest.param("The plan of the council failed.", "The plan by the council failed.",
                     "minor", "words edited", id="function-word"),
        pytest.param("He bought a gift to the pilot.", "He bought a gift for the pilot.",
                     "minor", "words edited", id="preposition-for"),
        pytest.param("Talks went on amid protests.", "Talks went on despite protests.",
                     "minor", "words edited", id="preposition-amid"),
        pytest.param("The act severely limited their rights.", "The act limited their rights.",
                     "minor", "intensifier added or removed", id="intensifier-removed"),
        pytest.param("It was a large crowd.", "It was an extremely large crowd.", "minor",
                     "intensifier added or removed", id="intensifier-added"),
        pytest.param("The plan was highly unusual.", "The plan was truly unusual.", "minor",
                     "intensifier added or removed", id="intensifier-swapped"),
        pytest.param("Mr Sarkozy will visit.", "Sarkozy will visit.", "minor",
                     "honorific added or removed", id="honorific"),
        pytest.param("The PM will visit.", "The Prime Minister will visit.", "minor",
                     "abbreviation written out", id="abbreviation"),
        pytest.param("He said he will go.", "He said he would go.", "minor", "words edited",
                     id="modal-tense"),
    ],
)  # fmt: skip
def test_an_edit_without_new_meaning_is_trivial_or_minor(
    before: str, after: str, level: str, reason: str
) -> None:
    change = graded(before, after)
    assert (change.significance, reason in change.reasons) == (level, True), change.reasons


def test_an_introduced_typo_is_no_spelling_fix() -> None:
    change = graded("The rules are complex.", "The rules are complx.")
    assert "spelling corrected" not in change.reasons


def test_without_word_frequencies_letters_decide() -> None:
    """A language wordfreq lacks: a near spelling is a typo fix, as before it had frequencies."""
    assert Lexicon("xx").zipf("complex") is None
    change = graded("The rules are complex.", "The rules are complx.", language="xx")
    assert (change.significance, change.reasons) == ("trivial", ("spelling corrected",))


def test_a_regional_language_tag_uses_its_language() -> None:
    assert Lexicon("en-GB").language == "en"
    assert Lexicon("pt_BR").language == "pt"
    assert Lexicon(None).language == "en"
    assert Lexicon("zh").language is None  # would need jieba


def test_word_frequency_lookups_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile page with thousands of near-spelt words asks wordfreq `LOOKUPS` times at most."""
    calls = []
    real = _lexicon.zipf_frequency
    monkeypatch.setattr(
        _lexicon, "zipf_frequency", lambda w, lang: calls.append(w) or real(w, lang)
    )
    old = " ".join(f"wordx{k}a" for k in range(3_000)) + "."
    new = " ".join(f"wordx{k}b" for k in range(3_000)) + "."
    started = time.perf_counter()
    change = diff.compare(article(old), article(new))
    assert change is not None
    assert len(calls) <= LOOKUPS
    assert time.perf_counter() - started < 10


def test_number_values_read_figures_and_words_alike() -> None:
    number_values = Lexicon("en").lists.numbers.values_of
    assert number_values(["two", "hundred", "and", "fifty"]) == number_values(["250"])
    assert number_values(["1,000"]) == number_values(["1000"])
    assert number_values(["one"]) == [] != number_values(["one"], every=True)


# --- evidence: the article's own text


DATELINE = "LONDON \u2014 The \u201cbig\u201d plan \u2013 backed by 12 councils \u2013 costs rose."


def test_evidence_keeps_dashes_quotes_and_the_dateline() -> None:
    change = graded(DATELINE, DATELINE.replace("rose", "fell"))
    (op,) = change.operations
    assert op.old == DATELINE and op.new == DATELINE.replace("rose", "fell")
    text = diff.render_text(change)
    assert "LONDON \u2014 The \u201cbig\u201d plan \u2013 backed" in text
    assert "[-rose.-]{+fell.+}" in text
    html = diff.render_html(change)
    assert "LONDON \u2014 The \u201cbig\u201d plan" in html
    side = diff.render_html(change, "side-by-side")
    assert "\u2013 costs" in side


def test_evidence_of_a_sentence_in_a_longer_paragraph() -> None:
    paragraph = f"{DATELINE} \u201cIt is too much,\u201d a critic said."
    change = graded(paragraph, paragraph.replace("too much", "far too much"))
    (op,) = change.operations
    assert (op.unit, op.old) == ("sentence", "\u201cIt is too much,\u201d a critic said.")
    assert ("insert", "far") in op.words


def test_evidence_still_replays_onto_the_comparable_body() -> None:
    old, new = article(DATELINE), article(DATELINE.replace("rose", "fell") + " More soon.")
    change = diff.compare(old, new)
    assert change is not None
    assert diff.apply(old.body, change.operations) == diff.comparable(new)["body"]


def test_a_typography_only_change_still_is_no_change() -> None:
    assert diff.compare(article(DATELINE), article(DATELINE.replace("\u2013", "-"))) is None


def test_a_title_is_shown_as_written() -> None:
    old, new = "Mayor \u201cquits\u201d \u2013 report", "Mayor \u201cstays\u201d \u2013 report"
    change = diff.compare(
        Article(url=URL, title=old, body=AROUND), Article(url=URL, title=new, body=AROUND)
    )
    assert change is not None
    (field,) = change.field_changes
    assert (field.old, field.new) == (old, new)


# --- paragraphs split, authors added


PARAGRAPH = (
    "It approved the plan after a long debate. The vote was close, with seven members "
    "against. Critics said the repairs would take too long."
)


def test_a_paragraph_split_in_two_is_shown_as_a_split() -> None:
    first, second = "It approved the plan after a long debate.", PARAGRAPH.split("debate. ")[1]
    old = Article(url=URL, title="T", body=(*AROUND, PARAGRAPH, *AFTER))
    new = Article(url=URL, title="T", body=(*AROUND, first, second, *AFTER))
    change = diff.compare(old, new)
    assert change is not None
    assert (change.significance, change.reasons) == ("trivial", ("paragraphs split or merged",))
    text = diff.render_text(change)
    assert "paragraph 3 split: new paragraph 4, text unchanged" in text
    assert f"\u00b6 {second}" in text
    assert "\n- " not in text and "\n+ " not in text
    assert "nw-split" in diff.render_html(change)
    merged = diff.compare(new, old)
    assert merged is not None and "merged into paragraph 3" in diff.render_text(merged)


def test_an_author_added_to_a_byline_is_no_author_removed() -> None:
    change = diff.compare(
        article(AROUND[0], authors=("AFP",)), article(AROUND[0], authors=("Pjotr Sauer and AFP",))
    )
    assert change is not None
    assert "author added" in change.reasons
    assert not any("removed" in reason for reason in change.reasons)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Graham grew weaker over the past weeks.", "Graham had grown weaker over the past weeks."),
        ("The council began the inquiry in May.", "The council has begun the inquiry in May."),
    ],
)
def test_another_form_of_an_irregular_verb_is_minor(old: str, new: str) -> None:
    assert graded(old, new).significance == "minor", graded(old, new).reasons


def test_another_irregular_verb_is_still_a_change() -> None:
    change = graded("The mayor won the vote on Monday.", "The mayor lost the vote on Monday.")
    assert change.significance == "substantive", change.reasons


def test_a_verb_of_saying_its_stem_would_not_name_is_attribution() -> None:
    change = graded("Critics contend the plan is costly.", "Critics fear the plan is costly.")
    assert "attribution changed" in change.reasons


def test_an_intensifier_swapped_for_a_downtoner_is_a_change() -> None:
    change = graded("The storm severely damaged the roof.", "The storm slightly damaged the roof.")
    assert change.significance == "substantive", change.reasons


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("The colour of the flag", "The color of the flag"),
        (
            "The organisation apologised to the families",
            "The organization apologized to the families",
        ),
        ("A new theatre opened in the centre", "A new theater opened in the center"),
        ("She travelled to the defence ministry", "She traveled to the defense ministry"),
        ("The catalogue was analysed", "The catalog was analyzed"),
        ("The paediatric ward", "The pediatric ward"),
        ("He was gaoled for 15 months", "He was jailed for 15 months"),  # no rule derives it
        ("The car hit the kerb in the grey morning", "The car hit the curb in the gray morning"),
        ("She learnt of the programme", "She learned of the program"),
    ],
)
def test_a_british_spelling_made_american_is_trivial(british: str, american: str) -> None:
    change = graded(f"{british}.", f"{american}.")
    assert change.reasons == ("British / American spelling",)
    assert change.significance == "trivial"
    assert _lexicon.american("colour") == _lexicon.american("color") == "color"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("They filled the form.", "They filed the form."),  # one l is another verb
        ("It took four hours.", "It took for hours."),  # 'our' after one letter is no suffix
        ("He spoke to Michael.", "He spoke to Michel."),  # a name is not respelt
        ("He met Grey at the bank.", "He met Gray at the bank."),  # nor is a listed word as a name
        ("The jail was closed.", "The curb was closed."),  # two listed words, not each other's
    ],
)
def test_near_spellings_that_are_no_british_american_pair(old: str, new: str) -> None:
    assert "British / American spelling" not in graded(old, new).reasons


# --- one referent written otherwise: a pronoun, a name, a description

NAMED = "Vojislav Kostunica met the prisoners and officials of CAMERA in Belgrade on Monday."


def in_story(before: str, after: str) -> Change:
    """An edit to the second paragraph of a story whose first one names who is in it."""
    change = diff.compare(
        Article(url=URL, title="Talks in Belgrade", body=(NAMED, before, *AFTER)),
        Article(url=URL, title="Talks in Belgrade", body=(NAMED, after, *AFTER)),
    )
    assert change is not None
    return change


VIDEO = "The video shows {} being led away from the building."
STANCE = "Later {} reaffirmed his stance on the talks with the government."
ATTEMPT = "It was an attempt by {} to gain influence on the site."


@pytest.mark.parametrize(
    ("sentence", "old", "new", "level"),
    [
        pytest.param(VIDEO, "them", "the prisoners", "minor", id="pronoun-to-description"),
        pytest.param(VIDEO, "the prisoners", "them", "minor", id="description-to-pronoun"),
        pytest.param(STANCE, "he", "Kostunica", "minor", id="pronoun-to-name"),
        pytest.param(ATTEMPT, "the organisation", "CAMERA", "minor", id="description-to-name"),
        # A name new to the story says who: news.
        pytest.param(STANCE, "he", "Tadic", "substantive", id="new-name"),
        pytest.param(VIDEO, "them", "the hostages", "substantive", id="new-description"),
        # Another description or another name, even one the story holds, is someone else.
        pytest.param(VIDEO, "the officials", "the prisoners", "substantive",
                     id="description-for-description"),
        pytest.param(STANCE, "Kostunica", "Vojislav", "substantive", id="name-for-name"),
    ],
)  # fmt: skip
def test_a_referent_written_otherwise_is_minor_if_the_story_names_it(
    sentence: str, old: str, new: str, level: str
) -> None:
    change = in_story(sentence.format(old), sentence.format(new))
    assert change.significance == level, change.reasons
    assert ("referred to otherwise" in change.reasons) == (level == "minor"), change.reasons


# --- each kind of change, in English, French, German and Spanish


STORY = {
    "en": (
        "The city council met on Monday evening to discuss the proposals.",
        "The meeting lasted more than three hours, officials said.",
    ),
    "fr": (
        "Le conseil municipal s'est réuni lundi soir pour examiner les propositions.",
        "La séance a duré plus de trois heures, selon des responsables.",
    ),
    "de": (
        "Der Stadtrat kam am Montagabend zusammen, um die Vorschläge zu beraten.",
        "Die Sitzung dauerte mehr als drei Stunden, hieß es aus dem Rathaus.",
    ),
    "es": (
        "El ayuntamiento se reunió el lunes por la noche para debatir las propuestas.",
        "La sesión duró más de tres horas, según fuentes municipales.",
    ),
}


def graded_in(language: str, before: str, after: str) -> Change:
    """An edit to the middle paragraph of a story in `language` (a regional tag as sites
    write it: 'fr-FR', 'de-DE', 'es-ES')."""
    first, last = STORY[language[:2]]
    old, new = (
        Article(url=URL, title="T", language=language, body=(first, text, last))
        for text in (before, after)
    )
    change = diff.compare(old, new)
    assert change is not None
    return change


MEANING_CHANGES = [
    # kind, language, before, after, reason
    ("number", "en", "The fire destroyed 200 homes.", "The fire destroyed 300 homes.",
     "numbers changed"),
    ("number", "fr-FR", "L'incendie a détruit 200 maisons, selon les pompiers.",
     "L'incendie a détruit 300 maisons, selon les pompiers.", "numbers changed"),
    ("number", "de-DE", "Das Feuer zerstörte zweihundert Häuser.",
     "Das Feuer zerstörte dreihundert Häuser.", "numbers changed"),
    ("number", "es-ES", "El incendio destruyó doscientas viviendas.",
     "El incendio destruyó 300 viviendas.", "numbers changed"),
    ("name", "en", "Prime Minister Keir Starmer met the president.",
     "Prime Minister Rishi Sunak met the president.", "names changed"),
    ("name", "fr-FR", "Le ministre Gérald Darmanin a annoncé sa démission.",
     "Le ministre Bruno Le Maire a annoncé sa démission.", "names changed"),
    ("name", "de-DE", "Bundeskanzler Scholz traf den Präsidenten in Paris.",
     "Bundeskanzler Merz traf den Präsidenten in Paris.", "names changed"),
    ("name", "es-ES", "El presidente Pedro Sánchez viajará a Bruselas.",
     "El presidente Alberto Núñez Feijóo viajará a Bruselas.", "names changed"),
    ("negation", "en", "The mayor has accepted the money.",
     "The mayor has not accepted the money.", "negation changed"),
    ("negation", "fr-FR", "Le maire a reconnu avoir reçu de l'argent.",
     "Le maire n'a jamais reconnu avoir reçu de l'argent.", "negation changed"),
    ("negation", "de-DE", "Der Bürgermeister hat das Geld angenommen.",
     "Der Bürgermeister hat das Geld nicht angenommen.", "negation changed"),
    ("negation", "es-ES", "El alcalde aceptó el dinero de la empresa.",
     "El alcalde nunca aceptó el dinero de la empresa.", "negation changed"),
    ("attribution", "en", "The suspect confessed, his lawyer said.",
     "The suspect confessed, his lawyer claimed.", "attribution changed"),
    ("attribution", "fr-FR", "Le suspect a avoué le meurtre, a dit son avocat.",
     "Le suspect a avoué le meurtre, a affirmé son avocat.", "attribution changed"),
    ("attribution", "de-DE", "Der Verdächtige habe die Tat gestanden, sagte sein Anwalt.",
     "Der Verdächtige habe die Tat gestanden, behauptete sein Anwalt.", "attribution changed"),
    ("attribution", "es-ES", "El sospechoso confesó el crimen, dijo su abogado.",
     "El sospechoso confesó el crimen, aseguró su abogado.", "attribution changed"),
    ("hedging", "en", "The minister lied to investigators.",
     "The minister allegedly lied to investigators.", "hedging changed"),
    # The conditionnel journalistique: 'aurait menti' is 'reportedly lied'.
    ("hedging", "fr-FR", "Le ministre a menti aux enquêteurs.",
     "Le ministre aurait menti aux enquêteurs.", "hedging changed"),
    ("hedging", "de-DE", "Der Minister hat die Ermittler belogen.",
     "Der Minister soll die Ermittler belogen haben.", "hedging changed"),
    ("hedging", "es-ES", "El ministro mintió a los investigadores.",
     "El ministro presuntamente mintió a los investigadores.", "hedging changed"),
    ("modality", "en", "The government must announce new measures.",
     "The government could announce new measures.", "modality changed"),
    ("modality", "fr-FR", "Le gouvernement doit annoncer de nouvelles mesures.",
     "Le gouvernement pourrait annoncer de nouvelles mesures.", "modality changed"),
    ("modality", "de-DE", "Die Regierung muss neue Maßnahmen ankündigen.",
     "Die Regierung könnte neue Maßnahmen ankündigen.", "modality changed"),
    ("modality", "es-ES", "El Gobierno debe anunciar nuevas medidas.",
     "El Gobierno podría anunciar nuevas medidas.", "modality changed"),
    ("date", "en", "The summit will take place on Tuesday in Brussels.",
     "The summit will take place on Thursday in Brussels.", "date or time changed"),
    ("date", "fr-FR", "Le sommet aura lieu mardi à Bruxelles.",
     "Le sommet aura lieu demain à Bruxelles.", "date or time changed"),
    ("date", "de-DE", "Der Gipfel findet am Dienstag in Brüssel statt.",
     "Der Gipfel findet im März in Brüssel statt.", "date or time changed"),
    ("date", "es-ES", "La cumbre se celebrará el martes en Bruselas.",
     "La cumbre se celebrará mañana en Bruselas.", "date or time changed"),
    ("quote", "en", '"The situation is serious," the minister said.',
     '"The situation is critical," the minister said.', "quotation changed"),
    ("quote", "fr-FR", "« La situation est grave », a déclaré le préfet.",
     "« La situation est critique », a déclaré le préfet.", "quotation changed"),
    ("quote", "de-DE", "„Die Lage ist ernst“, sagte der Minister.",
     "„Die Lage ist kritisch“, sagte der Minister.", "quotation changed"),
    ("quote", "es-ES", "«La situación es grave», declaró el ministro.",
     "«La situación es crítica», declaró el ministro.", "quotation changed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "before", "after", "reason"),
    [pytest.param(*case[1:], id=f"{case[1][:2]}-{case[0]}") for case in MEANING_CHANGES],
)
def test_a_meaning_change_is_at_least_substantive_in_each_language(
    language: str, before: str, after: str, reason: str
) -> None:
    change = graded_in(language, before, after)
    assert change.significance in HIGH, change.reasons
    assert reason in change.reasons, change.reasons


SURFACE_CHANGES = [
    # kind, language, before, after, level, reason
    ("full-stop", "en", "The vote was close , critics left.", "The vote was close. Critics left.",
     "trivial", "punctuation or case only"),
    ("full-stop", "fr-FR", "Le vote était serré , les critiques sont partis.",
     "Le vote était serré. Les critiques sont partis.", "trivial", "punctuation or case only"),
    ("full-stop", "de-DE", "Die Abstimmung war knapp , die Kritiker gingen.",
     "Die Abstimmung war knapp. Die Kritiker gingen.", "trivial", "punctuation or case only"),
    ("full-stop", "es-ES", "La votación fue ajustada , los críticos se marcharon.",
     "La votación fue ajustada. Los críticos se marcharon.", "trivial",
     "punctuation or case only"),
    ("number-written", "en", "Three people were injured.", "3 people were injured.", "trivial",
     "numbers written otherwise"),
    ("number-and", "en", "Two hundred and fifty people came.", "250 people came.", "trivial",
     "numbers written otherwise"),
    ("number-written", "fr-FR", "Quatre-vingt-dix personnes ont été évacuées.",
     "90 personnes ont été évacuées.", "trivial", "numbers written otherwise"),
    ("number-written", "de-DE", "Zweihundertfünfzig Menschen kamen zur Kundgebung.",
     "250 Menschen kamen zur Kundgebung.", "trivial", "numbers written otherwise"),
    ("number-written", "es-ES", "Treinta y dos personas resultaron heridas.",
     "32 personas resultaron heridas.", "trivial", "numbers written otherwise"),
    ("spelling-fixed", "en", "The negotiations are complcated.",
     "The negotiations are complicated.", "trivial", "spelling corrected"),
    ("spelling-fixed", "fr-FR", "Les négociations sont très compliqées.",
     "Les négociations sont très compliquées.", "trivial", "spelling corrected"),
    ("spelling-fixed", "de-DE", "Die Verhandlungen sind komplizert.",
     "Die Verhandlungen sind kompliziert.", "trivial", "spelling corrected"),
    ("spelling-fixed", "es-ES", "Las negociaciones son complicdas.",
     "Las negociaciones son complicadas.", "trivial", "spelling corrected"),
    ("function-word", "en", "The plan of the council failed.", "The plan by the council failed.",
     "minor", "words edited"),
    ("function-word", "fr-FR", "Le plan du conseil a échoué.", "Le plan de ce conseil a échoué.",
     "minor", "words edited"),
    ("function-word", "de-DE", "Die Polizei nahm den Mann am Bahnhof fest.",
     "Die Polizei nahm den Mann beim Bahnhof fest.", "minor", "words edited"),
    ("function-word", "es-ES", "El plan del consejo fracasó.", "El plan de este consejo fracasó.",
     "minor", "words edited"),
    ("intensifier", "en", "A fire destroyed a large warehouse.",
     "A fire destroyed an extremely large warehouse.", "minor", "intensifier added or removed"),
    ("intensifier", "fr-FR", "Un incendie a ravagé un grand entrepôt.",
     "Un incendie a ravagé un très grand entrepôt.", "minor", "intensifier added or removed"),
    ("intensifier", "de-DE", "Ein Feuer zerstörte eine große Lagerhalle.",
     "Ein Feuer zerstörte eine äußerst große Lagerhalle.", "minor",
     "intensifier added or removed"),
    ("intensifier", "es-ES", "Un incendio arrasó un gran almacén.",
     "Un incendio arrasó un muy gran almacén.", "minor", "intensifier added or removed"),
    ("honorific", "fr-FR", "M. Macron se rendra à Berlin.", "Macron se rendra à Berlin.",
     "minor", "honorific added or removed"),
    ("honorific", "de-DE", "Herr Müller wird am Abend sprechen.",
     "Müller wird am Abend sprechen.", "minor", "honorific added or removed"),
    ("honorific", "es-ES", "La Sra. García presidirá la sesión.",
     "La García presidirá la sesión.", "minor", "honorific added or removed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "before", "after", "level", "reason"),
    [pytest.param(*case[1:], id=f"{case[1][:2]}-{case[0]}") for case in SURFACE_CHANGES],
)
def test_a_surface_change_is_trivial_or_minor_in_each_language(
    language: str, before: str, after: str, level: str, reason: str
) -> None:
    change = graded_in(language, before, after)
    assert (change.significance, reason in change.reasons) == (level, True), change.reasons


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("Der Minister besuchte das Haus.", "Der Minister besuchte das Gebäude.", "words replaced"),
        ("Das Treffen fand im Rathaus statt.", "Das Treffen fand im Kanzleramt statt.",
         "words replaced"),
        ("Der Minister traf Merkel.", "Der Minister traf Scholz.", "names changed"),
    ],
)  # fmt: skip
def test_a_german_noun_after_an_article_is_no_name(before: str, after: str, reason: str) -> None:
    change = graded_in("de-DE", before, after)
    assert change.significance == "substantive" and change.reasons == (reason,)


@pytest.mark.parametrize(
    ("language", "words", "value"),
    [
        ("fr", "quatre vingt dix sept", "97"),
        ("fr", "cent quatre vingts", "180"),
        ("fr", "vingt et un", "21"),
        ("fr", "deux cent mille", "200000"),
        ("de", "zweihundertfünfzig", "250"),
        ("de", "einundzwanzig", "21"),
        ("de", "dreißig", "30"),
        ("de", "zwei millionen", "2000000"),
        ("es", "treinta y dos", "32"),
        ("es", "doscientos mil", "200000"),
        ("es", "ciento veinte", "120"),
    ],
)
def test_number_words_are_read_in_each_language(language: str, words: str, value: str) -> None:
    assert Lexicon(language).lists.numbers.values_of(words.casefold().split()) == [value]


def test_an_article_alone_is_no_number() -> None:
    """'un', 'une', 'ein', 'una' are articles first: a number only inside one."""
    for language, word in (("fr", "une"), ("de", "ein"), ("de", "eine"), ("es", "una")):
        numbers = Lexicon(language).lists.numbers
        assert numbers.values_of([word]) == [], (language, word)


def test_the_lists_follow_the_article_language() -> None:
    assert Lexicon("fr-FR").lists is Lexicon("fr").lists is _lexicon.WORD_LISTS["fr"]
    assert Lexicon("de_DE").lists is _lexicon.WORD_LISTS["de"]
    assert Lexicon("es-419").lists is _lexicon.WORD_LISTS["es"]
    for language in ("en-GB", None, "nl", "xx"):
        assert Lexicon(language).lists is _lexicon.WORD_LISTS["en"], language
    assert Lexicon("nl").is_function_word("het")  # no lists: its most common words
    assert not Lexicon("fr").is_function_word("maison")


@pytest.mark.parametrize("language", sorted(_lexicon.WORD_LISTS))
def test_word_lists_are_sets_of_case_folded_words(language: str) -> None:
    lists = _lexicon.WORD_LISTS[language]
    numbers = lists.numbers
    for found in (
        lists.function, lists.pronouns, lists.determiners, lists.honorifics, lists.time,
        lists.hedges, lists.intensifiers, lists.reporting, lists.he, lists.she,
        numbers.alone, numbers.connectors, numbers.suffixes, numbers.times,
    ):  # fmt: skip
        assert isinstance(found, frozenset)
        assert all(word == word.casefold() and " " not in word for word in found)
    # a verb of saying stays one under its lemma (said -> say), whatever else has lemmas
    assert all(lists.lemma(word) in lists.reporting for word in lists.reporting)
    assert all(word == word.casefold() for pair in lists.lemmas.items() for word in pair)
