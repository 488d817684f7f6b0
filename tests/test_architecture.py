"""docs/ARCHITECTURE.md is the living description of the layout: it names every module and
package of worker/, and the domain's words are defined once (in worker/types.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "worker"
ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def _parts() -> list[str]:
    top = [p.name for p in PACKAGE.glob("*.py")] + [
        f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    ]
    inner = [
        p.name
        for sub in (
            "commands",
            "fetch",
            "discover",
            "extract",
            "diff",
            "notify",
            "web",
            "store",
            "archive",
        )
        for p in (PACKAGE / sub).glob("*.py")
        if p.name != "__init__.py"
    ]
    return sorted(set(top) | set(inner))


@pytest.mark.parametrize("name", _parts())
def test_architecture_names_every_module(name):
    assert re.search(rf"(?<![\w/]){re.escape(name)}", ARCHITECTURE), f"{name} missing"


WORDS = {
    "significance": '"trivial", "minor", "substantive", "major"',
    "outcomes": '"unchanged", "not_modified", "',
    "change fields": '"title",\n    "subtitle",',
    "event kinds": '"article.new", "article.changed"',
    "alert groups": '"changed", "new", "removed", "restored"',
    "change kinds": '"edit", "revert", "removed"',
    "source kinds": '"auto", "feed", "sitemap"',
    "delivery statuses": '"pending", "sent", "failed"',
    "disclosures": '"notice", "timestamp", "silent"',
    "watch statuses": '"ok", "held", "failing", "retired"',
}


@pytest.mark.parametrize("word", sorted(WORDS))
def test_a_domain_word_is_spelled_out_only_in_types(word):
    spelled = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if WORDS[word] in path.read_text(encoding="utf-8") and path.name != "types.py"
    ]
    assert spelled == [], f"{word} spelled out again in {spelled}: import it from worker.types"
