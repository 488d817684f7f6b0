"""The suite itself: it runs on a fresh clone, which has no corpus folder beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Ways a test could reach outside the clone: the shared folder by name, or a path climbing
# above the repository root (parents[2] of a file in tests/ is the folder holding the clone).
_OUTSIDE = re.compile(r"""["'/]shared["'/]|parents\[[2-9]\]|\.\./\.\.|NEWSWATCH_TESTDATA""")


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_test_reads_outside_the_repository(path: Path) -> None:
    if path.name == Path(__file__).name:
        return
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert found == []


def test_the_outside_pattern_catches_what_it_is_for() -> None:
    for line in (
        'Path(__file__).resolve().parents[2] / "shared" / "testdata"',
        "open('" + "/".join(["..", "..", "shared", "testdata", "cnn.html"]) + "')",
        'os.environ["NEWSWATCH_TESTDATA"]',
    ):
        assert _OUTSIDE.search(line), line
    assert not _OUTSIDE.search('FIXTURES / "extract" / "pages"')
