"""robots.txt rules (RFC 9309), parsed by urllib.robotparser with its order fixed."""

from __future__ import annotations

import re
from urllib.robotparser import RobotFileParser

MAX_ROBOTS_CHARS = 500_000  # Google reads the first 500 KiB of a robots.txt
_RULE = re.compile(r"\s*(allow|disallow)\s*:", re.IGNORECASE)
_AGENT = re.compile(r"\s*user-agent\s*:", re.IGNORECASE)
_BAD_NUMBER = re.compile(r"\s*(crawl-delay|request-rate)\s*:.*[^\x00-\x7f]", re.IGNORECASE)


class RobotsRules:
    """What a site's robots.txt allows, read by urllib.robotparser.

    Rules are reordered so that robotparser's first match is RFC 9309's most specific one
    (`Allow: /private/press/` beats `Disallow: /private/`). Still unlike Google, `*` and `$`
    inside a path are read literally, so such rules never match.
    """

    def __init__(self, parser: RobotFileParser) -> None:
        self._parser = parser

    def allowed(self, url: str, user_agent: str) -> bool:
        """True if `user_agent` may fetch `url`."""
        return self._parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        """Seconds to wait between requests, if the file asks (whole seconds only)."""
        delay = self._parser.crawl_delay(user_agent)
        return None if delay is None else float(delay)


def parse_robots(text: str) -> RobotsRules:
    """Rules from the text of a robots.txt; junk lines are ignored, never an error."""
    # robotparser's int() fails on digits such as '²' that str.isdigit() accepts.
    lines = [line for line in text[:MAX_ROBOTS_CHARS].splitlines() if not _BAD_NUMBER.match(line)]
    parser = RobotFileParser()
    parser.parse(_most_specific_first(lines))
    return RobotsRules(parser)


def _most_specific_first(lines: list[str]) -> list[str]:
    """Sort the Allow/Disallow lines of each group: longest path first, Allow first on ties."""
    ordered = list(lines)
    block: list[int] = []
    for index, line in enumerate([*lines, ""]):
        if _RULE.match(line):
            block.append(index)
        elif not line.strip() or _AGENT.match(line):  # where robotparser ends a group
            rules = sorted((lines[i] for i in block), key=_specificity)
            for position, rule in zip(block, rules, strict=True):
                ordered[position] = rule
            block = []
    return ordered


def _specificity(rule: str) -> tuple[int, int]:
    verb, _, value = rule.partition(":")
    path = value.split("#", 1)[0].strip()
    allow = verb.strip().lower() == "allow" or not path  # an empty Disallow allows all
    return -len(path), 0 if allow else 1


DISALLOW_ALL = parse_robots("User-agent: *\nDisallow: /\n")
