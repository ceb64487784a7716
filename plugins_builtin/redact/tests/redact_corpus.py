"""Scoring chinwag-redact against its corpus (corpus.jsonl): precision and recall per category.

Each line is a message with the personal data it holds (``pii``: category -> exact
substrings; empty for a message that must come through untouched, such as order numbers,
tracking numbers and dates). A found span counts for an expected one of its category when they
overlap. Run ``python plugins_builtin/redact/tests/redact_corpus.py`` for the table that
docs/redaction.md reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chinwag_redact.detect import NationalId, Policy, find_all

CORPUS = Path(__file__).with_name("corpus.jsonl")

#: the identifiers the corpus site configures: a US SSN (no check digit), a Canadian SIN (Luhn)
NATIONAL_IDS = (
    NationalId("SSN", r"\b\d{3}-\d{2}-\d{4}\b"),
    NationalId("SIN", r"\b\d{3} \d{3} \d{3}\b", "luhn"),
)
#: a site's phone region hint where a line names none: the US, whose ten-digit national
#: numbers look most like order numbers
DEFAULT_REGION = "US"


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


def policy(region: str | None) -> Policy:
    return Policy(
        cards=True,
        ibans=True,
        emails=True,
        phones=True,
        phone_region=region,
        national_ids=NATIONAL_IDS,
    )


def score(lines: list[dict[str, Any]]) -> tuple[dict[str, Score], list[str]]:
    """Scores per category, and a line of explanation per miss or false alarm."""
    scores: dict[str, Score] = {}
    misses: list[str] = []
    for line in lines:
        text = line["text"]
        found = find_all(text, policy(line.get("region", DEFAULT_REGION)))
        expected = [
            (cat, text.index(value), text.index(value) + len(value))
            for cat, values in line["pii"].items()
            for value in values
        ]
        for cat, start, end in expected:
            s = scores.setdefault(cat, Score())
            s.expected += 1
            if any(f.category == cat and f.start < end and f.end > start for f in found):
                s.true_positives += 1
            else:
                s.false_negatives += 1
                misses.append(f"missed {cat} {text[start:end]!r} in {text!r}")
        for f in found:
            s = scores.setdefault(f.category, Score())
            s.found += 1
            if not any(c == f.category and a < f.end and b > f.start for c, a, b in expected):
                s.false_positives += 1
                misses.append(f"false {f.category} {text[f.start : f.end]!r} in {text!r}")
    return scores, misses


def table(scores: dict[str, Score]) -> str:
    rows = ["| category | expected | found | precision | recall |", "|---|---|---|---|---|"]
    for cat in sorted(scores):
        s = scores[cat]
        rows.append(f"| {cat} | {s.expected} | {s.found} | {s.precision:.2f} | {s.recall:.2f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    corpus = load()
    result, notes = score(corpus)
    negatives = sum(1 for line in corpus if not line["pii"])
    print(f"{len(corpus)} messages, {negatives} with nothing to hide\n")
    print(table(result))
    for note in notes:
        print("-", note)
