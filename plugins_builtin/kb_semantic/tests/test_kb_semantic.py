"""Semantic search through chinwag-kb's documented API, with the plugin on and off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_kb import search
from chinwag_kb_semantic.extension import Semantic
from flask.testing import FlaskClient
from sqlalchemy import event, text

from chinwag.testing import app_session, enable_plugin, plugin_context, run_jobs

SHOP = [
    (
        "Reset your password",
        "Forgot your password? On the sign-in page choose Forgot password and we e-mail you a "
        "message to choose a new one. The message works for one hour.",
    ),
    ("Shipping times", "Parcels inside the country arrive in two to four working days."),
    ("Refunds", "We pay back returned items to the card you paid with within ten days."),
    ("Change your plan", "Move to a bigger or smaller subscription from the billing page."),
    ("Gift cards", "Gift cards never expire and can be used for any item of the shop."),
]


def _slugs(app: Any, site_id: int, query: str) -> list[str]:
    with app.test_request_context():
        return [h.slug for h in search(plugin_context(app, "chinwag-kb"), site_id, query, limit=3)]


def _vectors(app: Any) -> list[int]:
    with app_session(app) as session:
        rows = session.execute(text("SELECT article_id FROM kb_semantic_vectors ORDER BY 1"))
        return [int(r[0]) for r in rows]


def test_a_question_sharing_no_word_with_the_article_is_found_only_with_semantic_search(
    chinwag_app: Any,
    write_article: Callable[..., int],
    demo_site: dict[str, Any],
    semantic_on: None,
) -> None:
    for title, body in SHOP:
        write_article(title, body)
    site = demo_site["id"]
    # saving queued the embeddings; nothing was computed in the request
    assert _vectors(chinwag_app) == []
    assert run_jobs(chinwag_app) >= 1
    assert len(_vectors(chinwag_app)) == len(SHOP)

    assert _slugs(chinwag_app, site, "can't log in")[:1] == ["reset-your-password"]
    assert _slugs(chinwag_app, site, "how do I reset my password")[:1] == ["reset-your-password"]

    enable_plugin(chinwag_app, "chinwag-kb-semantic", False)
    # full text alone: no article holds "log", a word starting so or one letter from it
    assert "reset-your-password" not in _slugs(chinwag_app, site, "can't log in")
    assert _slugs(chinwag_app, site, "how do I reset my password")[:1] == ["reset-your-password"]


def test_full_text_alone_when_the_plugin_is_off(
    chinwag_app: Any, write_article: Callable[..., int], demo_site: dict[str, Any]
) -> None:
    for title, body in SHOP:
        write_article(title, body)
    run_jobs(chinwag_app)
    # off by default: no job was queued, no vector written, search is full text
    assert _vectors(chinwag_app) == []
    assert "reset-your-password" not in _slugs(chinwag_app, demo_site["id"], "can't log in")


def test_vectors_follow_the_articles_status_and_deletion(
    chinwag_app: Any,
    chinwag_client: FlaskClient,
    admin_token: str,
    write_article: Callable[..., int],
    demo_site: dict[str, Any],
    semantic_on: None,
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    kept = write_article(*SHOP[0])
    gone = write_article(*SHOP[1])
    draft = write_article(*SHOP[2], status="draft")
    run_jobs(chinwag_app)
    assert _vectors(chinwag_app) == sorted([kept, gone])

    assert chinwag_client.delete(f"/api/v1/kb/articles/{gone}", headers=auth).status_code == 204
    assert _vectors(chinwag_app) == [kept]  # deleted with the article, in its transaction

    res = chinwag_client.put(
        f"/api/v1/kb/articles/{kept}",
        json={
            "title": SHOP[0][0],
            "body": SHOP[0][1],
            "status": "draft",
            "sites": [demo_site["id"]],
        },
        headers=auth,
    )
    assert res.status_code == 200
    run_jobs(chinwag_app)
    assert _vectors(chinwag_app) == []  # unpublished: no longer searchable by meaning
    assert draft not in _vectors(chinwag_app)
    assert "reset-your-password" not in _slugs(chinwag_app, demo_site["id"], "can't log in")


def test_a_query_reads_nothing_until_kb_saves_and_a_stale_cache_never_shows_a_draft(
    chinwag_app: Any,
    write_article: Callable[..., int],
    demo_site: dict[str, Any],
    semantic_on: None,
) -> None:
    site = demo_site["id"]
    ids = [write_article(title, body) for title, body in SHOP]
    run_jobs(chinwag_app)
    assert _slugs(chinwag_app, site, "can't log in")[:1] == ["reset-your-password"]

    statements: list[str] = []
    with app_session(chinwag_app) as session:
        engine = session.get_bind().engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with chinwag_app.test_request_context():
            ctx = plugin_context(chinwag_app, "chinwag-kb")
            ranked = Semantic().rank(ctx, site, "can't log in", locale=None, limit=3)
        assert ranked[0][0] == ids[0]
        # the matrix and the site's visible articles came from this process's cache
        assert [s for s in statements if "kb_semantic_vectors" in s or "kb_article" in s] == []
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    # another process unpublishes the article (this one is not told): kb never shows it
    with app_session(chinwag_app) as session:
        session.execute(
            text("UPDATE kb_articles SET status = 'draft' WHERE id = :i"), {"i": ids[0]}
        )
        session.commit()
    assert "reset-your-password" not in _slugs(chinwag_app, site, "can't log in")
