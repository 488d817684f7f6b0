"""Pages that stand where an article should be: consent walls, paywalls, bot checks, errors.

The pipeline holds such a page instead of storing it as a new version, so the verdict must be
sure: it needs a short body (or none) and a clear sign in the headline, the text left or the
page's own markup. Raw-HTML signs are regular expressions over the page string: no tree walk.
"""

from __future__ import annotations

import re

CONSENT_WALL = "consent wall"
PAYWALL_TEASER = "paywall teaser"
BOT_CHECK = "bot check"
ERROR_PAGE = "error page"

# A body this short may be a teaser; longer ones are articles whatever the page says around it.
TEASER_CHARS = 1500
# A consent wall or a bot check leaves at most a sentence or two.
WALL_CHARS = 400

_BOT_TEXT = re.compile(
    r"are you a (robot|human)|verify (that )?you are (a )?human|checking (if the site connection|"
    r"your browser)|just a moment\.\.\.|attention required|access denied|unusual traffic|"
    r"enable javascript and cookies|please complete the security check|captcha",
    re.IGNORECASE,
)
_BOT_MARKUP = re.compile(
    r"g-recaptcha|h-captcha|cf-challenge|challenge-platform|cf_chl_|px-captcha|datadome",
    re.IGNORECASE,
)
_ERROR_TITLE = re.compile(
    r"^\W*(error\b|oops\b)|\b(404|410|500|503)\b|page not found|not found\W*$|"
    r"page (does not|doesn't|no longer) exists?|no longer available|seite nicht gefunden|"
    r"page introuvable|página no encontrada",
    re.IGNORECASE,
)
_CONSENT_TEXT = re.compile(
    r"\bcookies?\b|\bconsent\b|\bgdpr\b|privacy (settings|choices|preferences)|"
    r"accept all|reject all|manage (options|preferences|settings)|partners (use|store)",
    re.IGNORECASE,
)
_CONSENT_MARKUP = re.compile(
    r"consent|cookiebanner|cookie-banner|cookie-wall|cookiewall|gdpr|onetrust|didomi|"
    r"qc-cmp|sp_message|truste",
    re.IGNORECASE,
)
_PAYWALL_TEXT = re.compile(
    r"subscribe (now )?to (continue|read|unlock|keep)|to continue reading|"
    r"(this|the rest of this) (article|story|content) is (only )?(available|reserved|for) "
    r"(to |for )?(subscribers|members)|already a (subscriber|member)|subscribers? only|"
    r"become a (subscriber|member) to|sign in to (continue|read)|log in to (continue|read)|"
    r"réservé aux abonnés|nur für abonnenten|exclusivo para (assinantes|suscriptores)",
    re.IGNORECASE,
)
_PAYWALL_MARKUP = re.compile(
    r"\"isAccessibleForFree\"\s*:\s*\"?false|class=\"[^\"]*\b(paywall|subscriber-only|"
    r"premium-content|piano-offer)\b",
    re.IGNORECASE,
)


def verdict(html: str, title: str, body: tuple[str, ...]) -> str | None:
    """What the page looks like if it is not an article; None when it reads as one."""
    size = sum(map(len, body))
    if size >= TEASER_CHARS:
        return None
    text = " ".join(body)
    if size >= WALL_CHARS:
        return PAYWALL_TEASER if _is_paywalled(html, text) else None
    # Markup alone (a consent or captcha script) speaks only when no text is left at all.
    bare = size == 0
    if _BOT_TEXT.search(f"{title} {text}") or (bare and _BOT_MARKUP.search(html)):
        return BOT_CHECK
    if _ERROR_TITLE.search(title):
        return ERROR_PAGE
    if _is_paywalled(html, text):
        return PAYWALL_TEASER
    if _CONSENT_TEXT.search(text) or (bare and _CONSENT_MARKUP.search(html)):
        return CONSENT_WALL
    return None


def _is_paywalled(html: str, text: str) -> bool:
    return bool(_PAYWALL_TEXT.search(text) or _PAYWALL_MARKUP.search(html))


def keeps_body(reason: str) -> bool:
    """A paywall teaser keeps its teaser text; the other walls' text is not the article's."""
    return reason == PAYWALL_TEASER
