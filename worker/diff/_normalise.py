"""Normalisation: what two versions are compared on, with typography and page noise folded away.

Noise is text that changes without the story changing: relative timestamps ("Updated 5 minutes
ago"), datelines ("Updated: 14 May 2024, 10:32 GMT") and view / comment / share counters. It is
removed from the comparable body, so it neither produces a change nor moves `content_hash`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from worker.types import Article
from worker.words import CJK

# Typography folded away before comparing. Dashes all become "-": "a – b" and "a - b" read
# the same, and an editor's switch between them is not news. Invisible characters are dropped.
_CHARACTERS = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛", "'"),
        **dict.fromkeys("“”„‟«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff"),
        # Control characters (a terminal escape in scraped text must never reach a terminal).
        **dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]),
        # Arabic harakat and tatweel, Hebrew points: vocalisation marks, not words.
        **dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640, *range(0x0591, 0x05C8)]),
    }
)
# What a shown original keeps out: control characters (a terminal escape in scraped text must
# never reach a terminal).
_CONTROLS = str.maketrans(
    dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)])
)
_DOUBLE_DASH = re.compile(r"(?<!-)-{2,3}(?!-)")  # "--" typed for a dash
_UNITS = r"(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?|years?|[smhdw])"
# The time itself; a lead ("Updated:") just before it goes too. Two patterns, not one with an
# optional lead: an optional lead is tried at every position and made this 5 times slower.
_RELATIVE_LEAD = re.compile(
    r"\b(?:last\s+)?(?:updated|posted|published|modified|edited)\s*:?\s*$", re.IGNORECASE
)
_RELATIVE_TIME = re.compile(
    rf"(?:\b(?:an?|one|\d+)\s*{_UNITS}\s+ago\b|\bjust now\b|\bmoments? ago\b"
    r"|\bvor\s+\d+\s+(?:sekunden|minuten|stunden|tagen)\b"
    r"|\bil y a\s+\d+\s+(?:secondes?|minutes?|heures?|jours?)\b"
    r"|\bhace\s+\d+\s+(?:segundos?|minutos?|horas?|d[ií]as?)\b)",
    re.IGNORECASE,
)
_RELATIVE_HINTS = ("ago", "now", "vor ", "il y a", "hace ")  # skip the regex on most text
_COUNT = r"\d[\d.,]*\s*[km]?"
_COUNTER_NOUNS = (
    r"(?:views?|reads?|comments?|shares?|likes?|reactions?|replies|reply|retweets?"
    r"|kommentare?|aufrufe|commentaires?|partages|vues|comentarios?|visitas)"
)
# A count before its noun is tried only where its run of digits and separators starts, and
# takes the whole run: tried from every digit of '1,1,1,...', it made the scan quadratic.
_LEADING_COUNT = r"(?<![\d.,])\d[\d.,]*+\s*[km]?"
_COUNTER = re.compile(
    r"\b\d+\s*min(?:ute)?s?\s+read\b|"
    rf"\b{_LEADING_COUNT}\s+{_COUNTER_NOUNS}\b"
    rf"|\b(?:{_COUNTER_NOUNS}|share)\s*(?::\s*|\(\s*)?{_COUNT}(?![\w%])\)?",
    re.IGNORECASE,
)
# Counters and unannounced relative times ("2 hours ago") are stripped only from lines of page
# furniture: short, and not a sentence. In a sentence ("the agency received 45 comments", "it
# was last inspected 3 years ago.") they are news. A relative time after "Updated", "Posted",
# ... is a timestamp wherever it is.
_FURNITURE_WORDS = 16
_SENTENCE_END = re.compile(r"[.!?。！？…][\"')\]»]*\s*$")
_DATELINE_LEAD = re.compile(
    r"^(?:last\s+)?(?:updated|published|posted|modified)\b(?:\s+(?:on|at))?\s*:?\s*", re.IGNORECASE
)
_DATE_WORD = re.compile(
    r"\d[\d:./-]*(?:st|nd|rd|th|h)?|at|on|am|pm|a\.m|p\.m|utc|gmt|(?-i:[A-Z]{2,5})"
    r"|(?:last\s+)?(?:updated|published|posted|modified):?"
    r"|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?",
    re.IGNORECASE,
)
# A dateline opening a story: "WASHINGTON - ", "SPRINGFIELD, Ill. (AP) - ", "LONDON (Reuters) - ".
# House style, not news: dropping or changing it is no change.
_DATELINE_PREFIX = re.compile(
    r"^[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*(?:, [A-Z][\w.]*)*(?: \([\w .'-]{1,30}\))? - "
    r"(?=[A-Z0-9\"'])"
)
_LEFTOVER = re.compile(r"^[\s|·•,;:/()\[\]-]*$")
# Chinese and Japanese write no spaces between words: each of their characters is compared as
# a word of its own (Korean spaces its words).
_CJK = CJK
# CJK sentence ends take no space after them; normalising it away keeps the sentence join exact.
_CJK_GAP = re.compile(r"([。！？][」』)\"']*) +")

# Notices an editor appends when a story is corrected or updated; the value is the event kind.
NOTICE_KINDS = {
    "correction": "correction",
    "corrections": "correction",
    "berichtigung": "correction",
    "korrektur": "correction",
    "richtigstellung": "correction",
    "rectificatif": "correction",
    "correctif": "correction",
    "rectificación": "correction",
    "corrección": "correction",
    "rettifica": "correction",
    "correção": "correction",
    "clarification": "clarification",
    "aclaración": "clarification",
    "editor's note": "editor_note",
    "editors' note": "editor_note",
    "editors note": "editor_note",
    "note from the editor": "editor_note",
    "anmerkung der redaktion": "editor_note",
    "note de la rédaction": "editor_note",
    "nota del editor": "editor_note",
    "update": "update",
    "updated": "update",
    "aktualisierung": "update",
    "mise à jour": "update",
    "actualización": "update",
    "aggiornamento": "update",
    "atualização": "update",
}
_NOTICE = re.compile(
    r"^\W{0,3}(" + "|".join(sorted(map(re.escape, NOTICE_KINDS), key=len, reverse=True)) + r")"
    r"(?:\b[^:.]{0,40}?\s?:| - )",
    re.IGNORECASE,
)
_NOTICE_PHRASE = re.compile(
    r"^(?:an earlier version of this (?:article|story|report)"
    r"|this (?:article|story|report) (?:has been|was) (?:corrected|amended))",
    re.IGNORECASE,
)


def normalise_text(text: str) -> str:
    """Fold typography away: NFC, straight quotes, '-' dashes, no invisibles, controls or
    vocalisation marks, single spaces."""
    folded = unicodedata.normalize("NFC", text).translate(_CHARACTERS)
    if "--" in folded:
        folded = _DOUBLE_DASH.sub("-", folded)
    return " ".join(folded.split())


def display_text(text: str) -> str:
    """Original text as it is shown: NFC, no control characters, single spaces; its quotes,
    dashes and datelines kept."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_CONTROLS).split())


def fold_character(character: str) -> str:
    """One character as `normalise_text` folds it ('' if dropped)."""
    return character.translate(_CHARACTERS)


def join_units(words: Sequence[str]) -> str:
    """Words joined back: with a space, except next to a Chinese or Japanese character."""
    out: list[str] = []
    for word in words:
        if out and not touching(out[-1], word):
            out.append(" ")
        out.append(word)
    return "".join(out)


def touching(left: str, right: str) -> bool:
    """True if two runs of text meet without a space (either side Chinese or Japanese)."""
    return bool(left and right and (_CJK.match(left[-1]) or _CJK.match(right[0])))


def strip_noise(text: str) -> str:
    """A normalised paragraph without relative times, datelines and counters ('' if only noise)."""
    if text[:1].isupper() and " - " in text[:80] and not notice_kind(text):
        text = _DATELINE_PREFIX.sub("", text, count=1)  # "UPDATE - ..." is a notice, kept
    short = len(text.split()) <= _FURNITURE_WORDS
    furniture = short and not _SENTENCE_END.search(text)
    folded = text.casefold()
    if any(hint in folded for hint in _RELATIVE_HINTS):
        text = _without_relative_times(text, anywhere=furniture)
    if furniture:
        text = _COUNTER.sub(" ", text)
    if short and _is_dateline(text):
        return ""
    text = " ".join(text.split())
    if _LEFTOVER.match(text):
        return ""
    return _CJK_GAP.sub(r"\1", text) if _has_cjk_stop(text) else text


def _without_relative_times(text: str, anywhere: bool) -> str:
    """The text with each relative time after a lead ("Updated: 5 minutes ago"), or with
    each one `anywhere`, replaced by a space."""
    pieces, last = [], 0
    for match in _RELATIVE_TIME.finditer(text):
        start = match.start()
        lead = _RELATIVE_LEAD.search(text, max(last, start - 40), start)
        if lead is None and not anywhere:
            continue
        pieces += [text[last : lead.start() if lead else start], " "]
        last = match.end()
    return "".join(pieces) + text[last:] if pieces else text


def _has_cjk_stop(text: str) -> bool:
    return "。" in text or "！" in text or "？" in text


def body_paragraphs(paragraphs: Sequence[str], memo: dict[str, str] | None = None) -> list[str]:
    """The comparable body: normalised paragraphs without noise, empty ones dropped.

    `memo` (raw paragraph -> comparable text) lets two versions of one article, which share
    most paragraphs, normalise each of them once.
    """
    return body_originals(paragraphs, memo)[1]


def comparable_text(paragraph: str) -> str:
    """One paragraph as the comparable body holds it."""
    return strip_noise(normalise_text(paragraph))


def body_originals(
    paragraphs: Sequence[str], memo: dict[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """The paragraphs kept in the comparable body (see `body_paragraphs`), as written and
    as compared."""
    memo = {} if memo is None else memo
    originals, comparables = [], []
    for paragraph in paragraphs:
        text = memo.get(paragraph)
        if text is None:
            text = memo[paragraph] = comparable_text(paragraph)
        if text:
            originals.append(paragraph)
            comparables.append(text)
    return originals, comparables


def comparable(article: Article, memo: dict[str, str] | None = None) -> dict[str, object]:
    """The normalised fields two versions are compared on, under their public names
    (`memo`: see `body_paragraphs`)."""
    return {
        "title": normalise_text(article.title),
        "subtitle": strip_noise(normalise_text(article.subtitle)),
        "authors": _texts(article.authors),
        "published": _iso(article.published),
        "modified": _iso(article.modified),
        "canonical_url": _optional(article.canonical_url),
        "image": _image(article.image),
        "language": _language(article.language),
        "body": body_paragraphs(article.body, memo),
    }


def content_hash(article: Article) -> str:
    """SHA-256 (hex) of the canonical JSON of `comparable(article)`."""
    canonical = json.dumps(
        comparable(article), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def notice_kind(paragraph: str) -> str | None:
    """'correction', 'clarification', 'editor_note' or 'update' if a paragraph is a notice."""
    match = _NOTICE.match(paragraph)
    if match:
        return NOTICE_KINDS[" ".join(match.group(1).casefold().split())]
    if _NOTICE_PHRASE.match(paragraph):
        return "correction"
    return None


def correction_notices(article: Article) -> tuple[str, ...]:
    """The correction / update notices of an article (subtitle and body), normalised."""
    texts = [comparable(article)["subtitle"], *body_paragraphs(article.body)]
    return tuple(text for text in texts if isinstance(text, str) and notice_kind(text))


def _is_dateline(text: str) -> bool:
    """'Updated: 14 May 2024, 10:32 GMT': a lead word and nothing but date and time words."""
    lead = _DATELINE_LEAD.match(text)
    if not lead:
        return False
    words = re.findall(r"[^\s,|·•()]+", text[lead.end() :])
    return (
        0 < len(words) <= 12
        and any(char.isdigit() for char in text)
        and all(_DATE_WORD.fullmatch(word.rstrip(".")) for word in words)
    )


def _texts(values: Sequence[str]) -> list[str]:
    """Normalised values, empty ones dropped."""
    return [text for text in map(normalise_text, values) if text]


# Query parameters of an image URL that bust a cache, size or encode the picture, or sign
# the link: the same picture whatever they say. Any other parameter (id=, file=) may name
# another picture. A parameter is matched by its name, case-insensitively.
# Query parameters that name the picture itself (`photo.php?id=7`); every other one (a cache
# buster, a size, a format, a signature, a client tag, ...) leaves the same picture.
_IMAGE_NAMES = frozenset(
    {
        *("id", "image_id", "imageid", "img", "image", "image_uri", "imageuri", "imgurl"),
        *("src", "url", "file", "filename", "name", "photo", "photo_id", "photoid", "pic"),
        *("asset", "asset_id", "assetid", "uuid", "key", "media_id", "mediaid", "p"),
    }
)


def _image(url: str | None) -> str | None:
    """An image URL as pictures are compared: scheme, host (in lower case) and path, and the
    query parameters that name the picture (`_IMAGE_NAMES`, such as ?id=), sorted; without a
    fragment, whitespace or any other parameter (?v=3 after ?v=2, ?w=1200 after ?w=800, a
    bare ?1700000000, a signature or a client tag: the same picture). Another path, host or
    ?id= is another picture."""
    text = _optional(url)
    if text is None:
        return None
    text = "".join(text.split("#", 1)[0].split())  # a URL holds no whitespace
    base, _, query = text.partition("?")
    scheme, sep, rest = base.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        base = f"{scheme.lower()}://{host.lower()}{slash}{path}"
    kept = sorted(part for part in query.split("&") if _names_picture(part))
    return f"{base}?{'&'.join(kept)}" if kept else base


def _names_picture(parameter: str) -> bool:
    """A query parameter ('id=7') that names the picture, not a way of serving it."""
    name = parameter.partition("=")[0].casefold()
    return name in _IMAGE_NAMES


def _optional(value: str | None) -> str | None:
    """Normalised value, with '' folded into None."""
    return normalise_text(value or "") or None


def _language(value: str | None) -> str | None:
    """Language tags compare case-insensitively, and 'en_US' means 'en-US'."""
    tag = _optional(value)
    return tag.replace("_", "-").lower() if tag else None


def _iso(value: datetime | None) -> str | None:
    """ISO 8601; aware times in UTC so that one instant written in two zones is equal."""
    if value is None:
        return None
    if value.utcoffset() is not None:
        value = value.astimezone(UTC)
    return value.isoformat()
