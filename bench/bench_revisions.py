"""How the differ grades real, human-labelled revisions: the grade table per intent.

Usage: python bench/bench_revisions.py CORPUS_PATH... [--misses 12]

A corpus is a directory holding `sentences.jsonl` (or the file itself): one edited sentence
per line with `before`, `after` and `intent` (IteraTeR-HUMAN, Du et al., ACL 2022; see
/work/shared/testdata/revisions/README.md). For each pair, two Articles that differ in that
sentence alone (a body paragraph among untouched ones, as in a real article) go through
`diff.compare_rendered`, as `pipeline.check` calls it; with `--in-context`, the untouched text
around the sentence is its own article's (the old text in `documents.jsonl`, where the
sentence is found in it), so that a name the edit brings in may already be in the article.
Printed per corpus: the grades per
intent (counts and shares), the two headline figures, and a sample of the worst misses:
`meaning-changed` graded trivial/minor (or no change), `fluency`/`style` graded
substantive/major.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worker import diff
from worker.types import SIGNIFICANCE, Article, Change

URL = "https://news.example/2024/05/14/revision"
TITLE = "Council approves new budget after long debate"
# Untouched paragraphs around the edited one, as in a real article.
BEFORE = (
    "The city council met on Monday evening to discuss the proposals.",
    "Members of the public were invited to comment before the vote.",
)
AFTER = (
    "The meeting lasted more than three hours, officials said.",
    "A further session is planned for next month.",
)
GRADES = (*SIGNIFICANCE, "none")
LOW = frozenset({"trivial", "minor", "none"})
HIGH = frozenset({"substantive", "major"})
INTENTS = ("meaning-changed", "fluency", "style", "clarity", "coherence", "others")


def pairs(corpus: Path) -> Iterator[dict[str, str]]:
    """The labelled pairs of a corpus (a directory with sentences.jsonl, or the file)."""
    path = corpus / "sentences.jsonl" if corpus.is_dir() else corpus
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def article(
    sentence: str, around: tuple[tuple[str, ...], tuple[str, ...]] | None = None
) -> Article:
    before, after = around or (BEFORE, AFTER)
    body = (*before, sentence.strip(), *after)
    return Article(url=URL, title=TITLE, language="en", body=body)


def graded(
    pair: dict[str, str], around: tuple[tuple[str, ...], tuple[str, ...]] | None = None
) -> tuple[str, Change | None]:
    old, new = article(pair["before"], around), article(pair["after"], around)
    change, _ = diff.compare_rendered(old, new)
    return (change.significance if change else "none"), change


def documents(corpus: Path) -> dict[str, list[str]]:
    """The old texts of each document (`documents.jsonl` beside `sentences.jsonl`), by id."""
    path = (corpus if corpus.is_dir() else corpus.parent) / "documents.jsonl"
    texts: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                document = json.loads(line)
                texts.setdefault(document["doc_id"], []).append(document["before_revision"])
    return texts


def context(
    pair: dict[str, str], texts: dict[str, list[str]]
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The rest of the pair's own article around it (the old text before and after the
    sentence, one paragraph each side), or None where the sentence is not found in it."""
    sentence = pair["before"].strip()
    for text in texts.get(pair["doc_id"], []):
        at = text.find(sentence)
        if at >= 0:
            head, tail = text[:at].strip(), text[at + len(sentence) :].strip()
            return tuple(filter(None, [head])), tuple(filter(None, [tail]))
    return None


def table(rows: dict[str, Counter[str]]) -> list[str]:
    header = f"{'intent':<16}{'n':>5}  " + "  ".join(f"{grade:>16}" for grade in GRADES)
    lines = [header]
    order = [intent for intent in INTENTS if intent in rows] + sorted(set(rows) - set(INTENTS))
    for intent in order:
        counts = rows[intent]
        total = sum(counts.values())
        cells = "  ".join(f"{counts[g]:>6} ({counts[g] / total:>5.0%})" for g in GRADES)
        lines.append(f"{intent:<16}{total:>5}  {cells}")
    return lines


def share(rows: dict[str, Counter[str]], intents: tuple[str, ...], grades: frozenset[str]) -> str:
    counts = sum((rows.get(intent, Counter()) for intent in intents), Counter())
    total = sum(counts.values())
    hit = sum(counts[grade] for grade in grades)
    return f"{hit / total:.1%} ({hit}/{total})" if total else "n/a"


def missed(pair: dict[str, str], grade: str) -> bool:
    intent = pair["intent"]
    if intent == "meaning-changed":
        return grade in LOW
    return intent in ("fluency", "style") and grade in HIGH


def report(corpus: Path, sample: int, in_context: bool = False) -> None:
    rows: dict[str, Counter[str]] = {}
    misses: list[tuple[dict[str, str], str, Change | None]] = []
    texts = documents(corpus) if in_context else {}
    started = time.perf_counter()
    for pair in pairs(corpus):
        grade, change = graded(pair, context(pair, texts) if in_context else None)
        rows.setdefault(pair["intent"], Counter())[grade] += 1
        if missed(pair, grade):
            misses.append((pair, grade, change))
    seconds = time.perf_counter() - started
    total = sum(sum(counts.values()) for counts in rows.values())
    where = "in their own articles" if in_context else "among fixed paragraphs"
    print(f"== {corpus}: {total} pairs {where}, {seconds:.1f} s")
    print("\n".join(table(rows)))
    print(
        "meaning-changed graded trivial/minor/none: "
        + share(rows, ("meaning-changed",), LOW)
        + "\nfluency + style graded substantive/major: "
        + share(rows, ("fluency", "style"), HIGH)
    )
    print(f"-- {min(sample, len(misses))} of {len(misses)} misses (random sample, seed 0)")
    for pair, grade, change in random.Random(0).sample(misses, min(sample, len(misses))):
        reasons = "; ".join(change.reasons) if change else "no change"
        print(f"[{pair['intent']} -> {grade}: {reasons}]")
        print(f"  - {pair['before'].strip()}\n  + {pair['after'].strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", type=Path, help="a directory with sentences.jsonl")
    parser.add_argument("--misses", type=int, default=12, help="misses to print per corpus")
    parser.add_argument(
        "--in-context",
        action="store_true",
        help="put each sentence in its own article (documents.jsonl), not among fixed paragraphs",
    )
    args = parser.parse_args()
    for corpus in args.corpus:
        report(corpus, args.misses, args.in_context)


if __name__ == "__main__":
    main()
