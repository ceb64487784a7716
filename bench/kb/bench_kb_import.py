"""Knowledge-base import time: N articles with the same title, in one import (SQLite).

The JSON import matches articles by slug, made from the title when an item has none: N items
with one title are one article saved N times (N revisions). Measured in the same run on fresh
databases: ``import_articles`` (the bulk path) against the baseline, the same items saved one by
one with ``save_article`` (what the import did before 2026-12-02: about ten statements and a
flush per item). ``--distinct`` gives each item its own slug (N articles) instead. Prints wall
and CPU seconds, and the load average (the machine is shared: CPU seconds are the steadier
figure).

    .venv/bin/python bench/kb/bench_kb_import.py [N] [--distinct] [--pg]     # 2000, SQLite

``--pg`` runs on fresh loopback PostgreSQL databases instead of SQLite.

Bounded: N <= 5000; the baseline takes about a minute at 2,000 on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chinwag_kb.service import import_articles, save_article
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chinwag.testing import (
    create_site,
    dispose,
    fresh_postgres_database,
    make_app,
    plugin_context,
    postgres_reachable,
)

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = min(int(ARGS[0]) if ARGS else 2000, 5000)
DISTINCT = "--distinct" in sys.argv
PG = "--pg" in sys.argv


def items(site: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(N):
        item: dict[str, Any] = {
            "title": "Reset your password",
            "summary": "Forgot your password? Get a reset link by email.",
            "body": f"On the sign-in page choose **Forgot password?** (copy {i}).\n\nCheck your inbox.",
            "tags": ["account", "login"],
            "status": "published",
            "sites": [site],
        }
        if DISTINCT:
            item["slug"] = f"reset-your-password-{i}"
        out.append(item)
    return out


def one_by_one(session: Session, rows: list[dict[str, Any]]) -> None:
    from chinwag_kb.models import Article
    from chinwag_kb.service import slugify

    for item in rows:
        slug = item.get("slug") or slugify(item["title"])
        existing = session.execute(select(Article).where(Article.slug == slug)).scalar()
        save_article(session, {**item, "slug": slug}, article=existing)


def bulk(session: Session, rows: list[dict[str, Any]]) -> None:
    import_articles(session, rows)


def run(
    label: str, fn: Callable[[Session, list[dict[str, Any]]], None], tmp: str, url: str | None
) -> None:
    from chinwag_kb.models import Article, Revision

    app = make_app(Path(tmp) / label, url)
    site = create_site(app)["id"]
    rows = items(site)
    with app.test_request_context():
        session = plugin_context(app, "chinwag-kb").db_session
        wall, cpu = time.perf_counter(), time.process_time()
        fn(session, rows)
        session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        articles = session.execute(select(func.count()).select_from(Article)).scalar()
        revisions = session.execute(select(func.count()).select_from(Revision)).scalar()
    print(f"  {label:12} {wall:7.2f} s wall {cpu:7.2f} s CPU  "
          f"({articles} articles, {revisions} revisions)")  # fmt: skip
    dispose(app)


def main() -> None:
    load = os.getloadavg()
    kind = "distinct slugs" if DISTINCT else "one title"
    print(f"load average {load[0]:.2f} on {os.cpu_count()} CPUs; {N} items, {kind}")
    with tempfile.TemporaryDirectory() as tmp:
        if not PG:
            print("SQLite")
            run("import", bulk, tmp, None)
            run("one by one", one_by_one, tmp, None)
        elif postgres_reachable():
            print("PostgreSQL")
            for label, fn in (("import", bulk), ("one by one", one_by_one)):
                with fresh_postgres_database() as url:
                    run(label, fn, tmp, url)
        else:
            print("postgresql skipped: not reachable on 127.0.0.1:5432")


if __name__ == "__main__":
    main()
