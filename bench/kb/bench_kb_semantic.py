"""Semantic and hybrid knowledge-base search latency at 10,000 articles, beside full text.

The corpus and queries of bench_kb_search.py (the 35 sample articles plus synthetic ones of the
same vocabulary; the held-out questions, cycled). After the import every article is embedded
(timed: the job's work, done here in batches of 200), then, in the same run on the same rows:
``chinwag_kb.search`` with chinwag-kb-semantic off (full text: the baseline), the semantic
ranking alone (query embedding plus the matrix product over the site's articles) and
``chinwag_kb.search`` with the plugin on (hybrid: both rankings fused). The first query loads
the model and the vector matrix and is left out (reported apart). Prints p50/p99 in ms.

    .venv/bin/python bench/kb/bench_kb_semantic.py [ARTICLES] [QUERIES]    # 10000 200

Bounded: ARTICLES <= 20000, QUERIES <= 1000; loopback PostgreSQL only (skipped if absent).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from chinwag_kb import search
from chinwag_kb.service import import_articles
from chinwag_kb_semantic.extension import Semantic
from chinwag_kb_semantic.index import BATCH, site_article_ids, write

from chinwag.testing import (
    create_site,
    enable_plugin,
    fresh_postgres_database,
    make_app,
    plugin_context,
    postgres_reachable,
)

sys.path.insert(0, str(Path(__file__).parent))
from bench_kb_search import corpus, pct, queries


def _timed(fn: object, qs: list[str]) -> list[float]:
    out = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run(label: str, database_url: str | None, tmp: str) -> None:
    app = make_app(Path(tmp) / label, database_url)
    site = create_site(app)["id"]
    items = corpus()
    with app.test_request_context():
        ctx = plugin_context(app, "chinwag-kb")
        for start in range(0, len(items), 500):
            import_articles(ctx.db_session, [{**a, "sites": [site]} for a in items[start:start + 500]])  # fmt: skip
            ctx.db_session.commit()
        ids = site_article_ids(ctx.db_session, site)
        t0 = time.perf_counter()
        for start in range(0, len(ids), BATCH):
            write(ctx.db_session, ids[start : start + BATCH])
            ctx.db_session.commit()
        embed_s = time.perf_counter() - t0
        qs = queries()
        semantic = Semantic()
        t0 = time.perf_counter()
        semantic.rank(ctx, site, qs[0], locale=None, limit=20)
        first_ms = (time.perf_counter() - t0) * 1000
        full = _timed(lambda q: search(ctx, site, q, limit=5), qs)
        sem = _timed(lambda q: semantic.rank(ctx, site, q, locale=None, limit=20), qs)
    enable_plugin(app, "chinwag-kb-semantic")
    with app.test_request_context():
        ctx = plugin_context(app, "chinwag-kb")
        hybrid = _timed(lambda q: search(ctx, site, q, limit=5), qs)
    print(f"{label:10} {len(items):>6} articles, embedded in {embed_s:5.1f} s; first semantic "
          f"query (model and matrix load) {first_ms:.0f} ms")  # fmt: skip
    for name, samples in (("full text search()", full), ("semantic rank alone", sem),
                          ("hybrid search()", hybrid)):  # fmt: skip
        print(
            f"  {name:20} p50 {statistics.median(samples):6.2f} ms  p99 {pct(samples, 99):6.2f} ms"
        )


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} "
          f"CPUs; {len(queries())} queries")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", None, tmp)
        if postgres_reachable():
            with fresh_postgres_database() as url:
                run("postgresql", url, tmp)
        else:
            print("postgresql skipped: not reachable on 127.0.0.1:5432")


if __name__ == "__main__":
    main()
