"""worker.diff over fixture series: real story histories, step by step.

Each fixtures/series/<story>/ holds v1.json ... vN.json (extracted Article fields) and
expected.json: for each step, either `"change": null` (noise only) or what the Change must
show — fields, counts, paragraph counts, significance, events, a subset of the reasons and
key operations (each expected operation matches one actual operation on the keys it names).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from worker import diff
from worker.types import Article, Change, ParagraphOp

SERIES = Path(__file__).resolve().parents[1] / "fixtures" / "series"
KINDS = ("added", "removed", "edited", "moved")


def load(story: Path, version: int) -> Article:
    data = json.loads((story / f"v{version}.json").read_text(encoding="utf-8"))
    for name in ("published", "modified"):
        data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
    data["authors"] = tuple(data.get("authors", ()))
    data["body"] = tuple(data.get("body", ()))
    return Article(**data)


def steps() -> list[Any]:
    cases = []
    for story in sorted(path for path in SERIES.iterdir() if path.is_dir()):
        expected = json.loads((story / "expected.json").read_text(encoding="utf-8"))
        for step in expected["steps"]:
            step_id = f"{story.name}-v{step['from']}-v{step['to']}"
            cases.append(pytest.param(story, step, id=step_id))
    return cases


def test_every_story_has_three_to_six_versions() -> None:
    stories = [path for path in SERIES.iterdir() if path.is_dir()]
    assert len(stories) >= 5
    for story in stories:
        assert 3 <= len(list(story.glob("v*.json"))) <= 6, story.name


@pytest.mark.parametrize(("story", "step"), steps())
def test_step(story: Path, step: dict[str, Any]) -> None:
    old, new = load(story, step["from"]), load(story, step["to"])
    change = diff.compare(old, new)
    if "change" in step:
        assert step["change"] is None
        assert change is None, diff.render_text(change) if change else ""
        assert diff.content_hash(old) == diff.content_hash(new)
        return
    assert change is not None
    check_change(change, step)


@pytest.mark.parametrize(("story", "step"), steps())
def test_step_applies_and_mirrors(story: Path, step: dict[str, Any]) -> None:
    old, new = load(story, step["from"]), load(story, step["to"])
    forward = diff.compare(old, new)
    backward = diff.compare(new, old)
    operations = forward.operations if forward else ()
    assert diff.apply(old.body, operations) == diff.comparable(new)["body"]
    back = backward.operations if backward else ()
    assert sorted(map(_key, map(diff.mirror, operations))) == sorted(map(_key, back))


@pytest.mark.parametrize(("story", "step"), steps())
def test_step_renders(story: Path, step: dict[str, Any]) -> None:
    change = diff.compare(load(story, step["from"]), load(story, step["to"]))
    if change is None:
        return
    json.dumps(diff.render_json(change))
    assert change.summary in diff.render_text(change)
    for mode in ("inline", "side-by-side"):
        assert diff.render_html(change, mode=mode).startswith('<div class="nw-diff')


def check_change(change: Change, step: dict[str, Any]) -> None:
    assert list(change.fields) == step["fields"]
    assert change.significance == step["significance"], change.reasons
    assert set(step.get("reasons", ())) <= set(change.reasons), change.reasons
    assert list(change.events) == step.get("events", [])
    if "counts" in step:
        assert {kind: getattr(change, kind) for kind in KINDS} == step["counts"]
    if "paragraphs" in step:
        actual = {kind: getattr(change, f"paragraphs_{kind}") for kind in KINDS}
        assert actual == step["paragraphs"]
    if "operations" in step:
        if not step["operations"]:
            assert change.operations == ()
        for expected in step["operations"]:
            assert any(_matches(op, expected) for op in change.operations), (
                expected,
                change.operations,
            )


def _matches(op: ParagraphOp, expected: dict[str, Any]) -> bool:
    for name, value in expected.items():
        actual = getattr(op, name)
        if name == "words":
            if not all(tuple(run) in actual for run in value):
                return False
        elif actual != value:
            return False
    return True


def _key(op: ParagraphOp) -> tuple:
    return (op.kind, op.unit, op.old_index, op.new_index, op.old_sentence, op.new_sentence)
