"""Knowledge-base search latency at 10,000 articles, on SQLite and PostgreSQL.

Fills a fresh database with the 35 sample articles (plugins_builtin/kb/tests/sample_kb) plus
synthetic ones made of the same vocabulary (deterministic), then times ``chinwag_kb.search``
— the whole API: full-text candidates, typo retry for short queries, scoring and passages —
for the held-out questions, cycled. Two baselines, measured in the same run on the same rows:
the engine's candidate query alone (what the scoring, typo retry and passages add on top), and
what a search without the index would read: ``LIKE '%word%'`` over title and body for the
query's longest word, counting every match (ranking needs them all). The synthetic articles
share one small vocabulary, so a word is in thousands of them: pessimistic for the index (real
knowledge bases have rarer words). Prints p50/p99 in milliseconds and the load average.

    .venv/bin/python bench/kb/bench_kb_search.py [ARTICLES] [QUERIES]    # 10000 200

Bounded: ARTICLES <= 20000, QUERIES <= 1000; loopback PostgreSQL only (skipped if absent).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from chinwag_kb import search
from chinwag_kb.frontmatter import load_folder
from chinwag_kb.search import _candidates
from chinwag_kb.service import import_articles
from chinwag_kb.text import query_terms, words
from sqlalchemy import text

from chinwag.testing import (
    create_site,
    fresh_postgres_database,
    make_app,
    plugin_context,
    postgres_reachable,
)

TESTS = Path(__file__).resolve().parents[2] / "plugins_builtin" / "kb" / "tests"
ARTICLES = min(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, 20_000)
QUERIES = min(int(sys.argv[2]) if len(sys.argv) > 2 else 200, 1000)
BATCH = 500


def corpus() -> list[dict[str, Any]]:
    sample = load_folder(TESTS / "sample_kb")
    vocab = sorted({w for a in sample for w in words(f"{a['title']} {a['body']}") if len(w) > 3})
    rng = random.Random(18)
    out = list(sample)
    for i in range(ARTICLES - len(sample)):
        title = " ".join(rng.choices(vocab, k=4)).capitalize()
        body = "\n\n".join(
            " ".join(rng.choices(vocab, k=rng.randint(25, 60))) + "." for _ in range(3)
        )
        out.append({"title": title, "slug": f"synthetic-{i}", "summary": "", "body": body,
                    "tags": rng.choices(vocab, k=2), "status": "published"})  # fmt: skip
    return out


def queries() -> list[str]:
    qs = [q["q"] for q in yaml.safe_load((TESTS / "kb_questions.yaml").read_text())]
    return [qs[i % len(qs)] for i in range(QUERIES)]


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(label: str, database_url: str | None, tmp: str) -> None:
    app = make_app(Path(tmp) / label, database_url)
    site = create_site(app)["id"]
    items = corpus()
    started = time.perf_counter()
    with app.test_request_context():
        ctx = plugin_context(app, "chinwag-kb")
        for start in range(0, len(items), BATCH):
            batch = [{**a, "sites": [site]} for a in items[start : start + BATCH]]
            import_articles(ctx.db_session, batch)
            ctx.db_session.commit()
        load_s = time.perf_counter() - started
        session = ctx.db_session
        api: list[float] = []
        base: list[float] = []
        engine: list[float] = []
        for q in queries():
            t0 = time.perf_counter()
            search(ctx, site, q, limit=5)
            api.append((time.perf_counter() - t0) * 1000)
            terms = query_terms(q)
            t0 = time.perf_counter()
            if terms:
                _candidates(session, site, terms, None, 5)
            engine.append((time.perf_counter() - t0) * 1000)
            word = max(words(q), key=len)
            t0 = time.perf_counter()
            session.execute(
                text(
                    "SELECT count(*) FROM kb_articles WHERE status = 'published' AND "
                    "(lower(title) LIKE :p OR lower(body) LIKE :p)"
                ),
                {"p": f"%{word}%"},
            ).all()
            base.append((time.perf_counter() - t0) * 1000)
        session.rollback()
    print(
        f"{label:10} {len(items):>6} articles (loaded in {load_s:5.1f} s)\n"
        f"  search() p50 {statistics.median(api):6.2f} ms  p99 {pct(api, 99):6.2f} ms\n"
        f"  engine query alone p50 {statistics.median(engine):6.2f} ms  "
        f"p99 {pct(engine, 99):6.2f} ms\n"
        f"  baseline LIKE scan p50 {statistics.median(base):6.2f} ms  p99 {pct(base, 99):6.2f} ms"
    )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs; "
          f"{QUERIES} queries")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", None, tmp)
        if postgres_reachable():
            with fresh_postgres_database() as url:
                run("postgresql", url, tmp)
        else:
            print("postgresql skipped: not reachable on 127.0.0.1:5432")


if __name__ == "__main__":
    main()
