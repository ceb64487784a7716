"""The held-out evaluation of the knowledge base's search (docs/kb-eval.md).

Loads tests/sample_kb into a site, asks every question of kb_questions.yaml through the public
search API and reports top-1 and top-3 recall of the article that answers it. Also runnable on
its own to print the table for the docs::

    .venv/bin/python plugins_builtin/kb/tests/kb_eval.py            # SQLite
    .venv/bin/python plugins_builtin/kb/tests/kb_eval.py --postgres
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from chinwag_kb import search
from flask import Flask

from chinwag.testing import plugin_context

QUESTIONS = Path(__file__).parent / "kb_questions.yaml"


@dataclass
class Result:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)
    #: best scores of questions the knowledge base cannot answer (for a threshold)
    unanswerable_scores: list[float] = field(default_factory=list)
    answer_scores: list[float] = field(default_factory=list)

    @property
    def recall1(self) -> float:
        return self.top1 / self.answerable

    @property
    def recall3(self) -> float:
        return self.top3 / self.answerable


def questions() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return loaded


def run_eval(app: Flask, site_id: int) -> Result:
    result = Result()
    with app.test_request_context():
        ctx = plugin_context(app, "chinwag-kb")
        for item in questions():
            hits = search(ctx, site_id, item["q"], limit=3)
            slugs = [h.slug for h in hits]
            if item["answer"] is None:
                result.unanswerable_scores.append(hits[0].score if hits else 0.0)
                continue
            result.answerable += 1
            result.top1 += slugs[:1] == [item["answer"]]
            result.top3 += item["answer"] in slugs
            if slugs[:1] == [item["answer"]]:
                result.answer_scores.append(hits[0].score)
            else:
                result.misses.append((item["q"], item["answer"], slugs))
    return result


def main() -> None:
    import tempfile

    from chinwag.testing import fresh_postgres_database, make_app

    with tempfile.TemporaryDirectory() as tmp:
        if "--postgres" in sys.argv:
            with fresh_postgres_database() as url:
                app = make_app(tmp, url)
                _report(app)
        else:
            _report(make_app(tmp))


def _report(app: Flask) -> None:
    from kb_testkit import load_sample

    from chinwag.testing import create_site

    site = create_site(app)["id"]
    load_sample(app, site)
    r = run_eval(app, site)
    print(f"answerable questions: {r.answerable}")
    print(f"top-1 recall: {r.recall1:.3f} ({r.top1}/{r.answerable})")
    print(f"top-3 recall: {r.recall3:.3f} ({r.top3}/{r.answerable})")
    for q, want, got in r.misses:
        print(f"  miss: {q!r} wanted {want}, got {got}")
    answered = sorted(r.answer_scores)
    print(
        f"best score, correct top-1: min {answered[0]:.3f} median {answered[len(answered) // 2]:.3f}"
    )
    print(f"best score, unanswerable: {sorted(round(s, 3) for s in r.unanswerable_scores)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
