"""The search API other plugins use (``chinwag_kb.search``), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_kb import Hit, search
from chinwag_kb.search import correct
from kb_testkit import NAME, add_article

from chinwag.testing import create_site, plugin_context

RESET = {
    "title": "Reset your password",
    "summary": "Forgot it? Get a reset link by email.",
    "body": "Open **Settings**.\n\nChoose *Security*, then **Reset password**; we email you a "
    "link that works for one hour.\n\nStill stuck? Ask us in the chat.",
    "tags": ["account", "login"],
}
REFUND = {
    "title": "Ask for a refund",
    "summary": "Refunds within 5 days.",
    "body": "Refunds are paid within 5 days to the card you used.",
    "tags": ["billing"],
}


def _search(app: Any, site_id: int, q: str, **kw: Any) -> list[Hit]:
    with app.test_request_context():
        hits: list[Hit] = search(plugin_context(app, NAME), site_id, q, **kw)
        return hits


def test_ranked_hit_with_passage_url_and_score(chinwag_app: Any, demo_site: dict[str, Any]) -> None:
    site = demo_site["id"]
    reset = add_article(chinwag_app, site, **RESET)
    add_article(chinwag_app, site, **REFUND)
    hits = _search(chinwag_app, site, "How do I reset my password?")
    assert [h.article_id for h in hits][:1] == [reset]
    top = hits[0]
    assert top.title == "Reset your password"
    assert "email you a link" in top.snippet and "Settings" not in top.snippet
    assert top.url.endswith(f"/api/v1/kb/sites/{site}/articles/reset-your-password")
    assert 0.6 < top.score <= 1
    assert all(h.score < top.score for h in hits[1:])
    refund = _search(chinwag_app, site, "refund")
    assert [h.title for h in refund] == ["Ask for a refund"]


def test_typo_tolerance_for_short_queries(chinwag_app: Any, demo_site: dict[str, Any]) -> None:
    site = demo_site["id"]
    add_article(chinwag_app, site, **RESET)
    add_article(chinwag_app, site, **REFUND)
    assert [h.title for h in _search(chinwag_app, site, "pasword")] == ["Reset your password"]
    assert [h.title for h in _search(chinwag_app, site, "refnud")] == ["Ask for a refund"]
    typo = _search(chinwag_app, site, "pasword")[0].score
    exact = _search(chinwag_app, site, "password")[0].score
    assert typo < exact


def test_a_word_being_typed_is_not_corrected_to_a_near_one(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    """ "log" starts "login" (in the vocabulary): it stays "log", found by prefix, rather than
    corrected to "long" (one edit away), which would rank an unrelated article first."""
    site = demo_site["id"]
    add_article(chinwag_app, site, **RESET)
    add_article(
        chinwag_app,
        site,
        title="How long delivery takes",
        summary="Parcels arrive within a week.",
        body="How long it takes depends on the country.",
    )
    with chinwag_app.app_context():
        session = plugin_context(chinwag_app, NAME).db_session
        assert correct(session, ["log", "pasword", "lon"]) == ["log", "password", "lon"]
    for q in ("log", "log in"):
        assert [h.title for h in _search(chinwag_app, site, q)] == ["Reset your password"], q


def test_prefix_while_typing(chinwag_app: Any, demo_site: dict[str, Any]) -> None:
    site = demo_site["id"]
    add_article(chinwag_app, site, **RESET)
    assert [h.title for h in _search(chinwag_app, site, "reset pass")] == ["Reset your password"]


def test_only_published_articles_of_the_site(chinwag_app: Any, demo_site: dict[str, Any]) -> None:
    site = demo_site["id"]
    other = create_site(chinwag_app, "Other")["id"]
    add_article(chinwag_app, site, **{**RESET, "status": "draft"})
    add_article(chinwag_app, other, **REFUND)
    assert _search(chinwag_app, site, "password") == []
    assert _search(chinwag_app, site, "refund") == []
    assert [h.title for h in _search(chinwag_app, other, "refund")] == ["Ask for a refund"]


def test_locale_first_then_any(chinwag_app: Any, demo_site: dict[str, Any]) -> None:
    site = demo_site["id"]
    fr = add_article(
        chinwag_app, site, title="Réinitialiser votre mot de passe", locale="fr",
        body="Ouvrez les paramètres, puis choisissez Sécurité.",
    )  # fmt: skip
    add_article(chinwag_app, site, **RESET)
    hits = _search(chinwag_app, site, "mot de passe", locale="fr-CA")
    assert [h.article_id for h in hits] == [fr]
    assert _search(chinwag_app, site, "password", locale="fr")[0].title == "Reset your password"
    # accents folded: "securite" finds "Sécurité"
    assert _search(chinwag_app, site, "parametres securite")[0].article_id == fr


def test_postgres_stems_each_article_with_its_languages_configuration(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    """On PostgreSQL an article's ``tsvector`` is built with its language's text-search
    configuration: French stemming finds "choisissez" for "choisir" (the ``simple`` or
    English configuration keeps "choisissez" whole; SQLite's Porter stemmer is English only)."""
    if not chinwag_app.config["CHINWAG_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("text-search configurations are PostgreSQL's")
    site = demo_site["id"]
    text = {"body": "Choisissez le moyen de paiement dans votre compte."}
    fr = add_article(chinwag_app, site, title="Moyens de paiement", locale="fr", **text)
    add_article(chinwag_app, site, title="Payment methods", locale="en", **text)
    assert [h.article_id for h in _search(chinwag_app, site, "choisir", locale="fr")] == [fr]


def test_odd_input_finds_nothing_and_never_raises(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    add_article(chinwag_app, site, **RESET)
    for q in ["", "   ", "???", '"', "' OR 1=1 --", "AND OR NOT", "*", "x" * 5000, "NEAR(a b)"]:
        hits = _search(chinwag_app, site, q)
        assert isinstance(hits, list)
    assert _search(chinwag_app, site, "password", limit=0)[0].title == RESET["title"]
    assert len(_search(chinwag_app, site, "password", limit=10_000)) == 1
    assert _search(chinwag_app, 999_999, "password") == []


def test_other_plugins_call_it_with_their_own_context(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    """The answer bot passes its own ctx: the search still works and links the article."""
    site = demo_site["id"]
    add_article(chinwag_app, site, **RESET)
    with chinwag_app.test_request_context():
        hits = search(plugin_context(chinwag_app, "chinwag-media"), site, "reset password")
    assert hits[0].url == f"http://localhost/api/v1/kb/sites/{site}/articles/reset-your-password"
