"""``chinwag kb-semantic reindex [--site ID] [--now]``: the ``chinwag`` command itself, in a
subprocess on the test's database and job queue (its instance folder)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chinwag_kb import search
from sqlalchemy import text

from chinwag.testing import (
    app_session,
    create_site,
    enable_plugin,
    plugin_context,
    run_cli_steps,
    run_jobs,
)

SHOP = [
    ("Reset your password", "Choose Forgot password on the sign-in page; we e-mail a link."),
    ("Shipping times", "Parcels inside the country arrive in two to four working days."),
    ("Refunds", "We pay back returned items to the card you paid with within ten days."),
    ("Change your plan", "Move to a bigger or smaller subscription from the billing page."),
    ("Gift cards", "Gift cards never expire and can be used for any item of the shop."),
]


def _vectors(app: Any) -> list[int]:
    with app_session(app) as session:
        rows = session.execute(text("SELECT article_id FROM kb_semantic_vectors ORDER BY 1"))
        return [int(r[0]) for r in rows]


def _env(app: Any, tmp_path: Path, database_url: str) -> dict[str, str]:
    """The command's environment: the test app's database, instance folder (so its SQLite job
    queue) and secret (jobs are signed with it)."""
    return {
        **os.environ,
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "CHINWAG_DATABASE_URL": database_url,
        "CHINWAG_SECRET_KEY": app.config["SECRET_KEY"],
        "CHINWAG_ASYNC_MODE": "threading",
    }


def test_reindex_embeds_what_was_saved_while_the_plugin_was_off_and_site_limits_it(
    chinwag_app: Any,
    write_article: Callable[..., int],
    demo_site: dict[str, Any],
    tmp_path: Path,
    database_url: str,
) -> None:
    site = demo_site["id"]
    other = create_site(chinwag_app, name="Other shop")["id"]
    here = [write_article(title, body) for title, body in SHOP[:3]]
    there = [write_article(title, body, sites=[other]) for title, body in SHOP[3:]]
    write_article("Opening hours", "We answer from nine to five.", status="draft")
    run_jobs(chinwag_app)
    assert _vectors(chinwag_app) == []  # the plugin was off: nothing queued, nothing embedded

    enable_plugin(chinwag_app, "chinwag-kb-semantic")
    now, queued = run_cli_steps(
        _env(chinwag_app, tmp_path, database_url),
        [
            (["kb-semantic", "reindex", "--site", str(site), "--now"], False),
            (["kb-semantic", "reindex"], False),
        ],
    )
    assert now.strip() == "3 articles embedded (1 not published)"
    assert queued.strip() == "6 articles queued for embedding in 1 jobs"
    # --now computed only the demo site's published articles; the rest waits on the queue
    assert _vectors(chinwag_app) == sorted(here)
    with chinwag_app.test_request_context():
        ctx = plugin_context(chinwag_app, "chinwag-kb")
        assert [h.slug for h in search(ctx, site, "can't log in", limit=1)] == [
            "reset-your-password"
        ]

    assert run_jobs(chinwag_app) == 1
    assert _vectors(chinwag_app) == sorted(here + there)
