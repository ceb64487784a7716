"""Inbox full-text search (issue 15, chinwag.search) on SQLite (FTS5) and PostgreSQL (GIN):
words, the last as a prefix, "quoted phrases", internal notes, snippets that say why a row
matched, validated input, team scoping, and no search row left after an erasure or retention."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import column, select, table, text, update

from chinwag.testing import ADMIN_PASSWORD, VisitorClient, create_site, create_user, login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def search(http: FlaskClient, token: str, q: str) -> dict[int, dict[str, Any]]:
    res = http.get("/api/v1/inbox/conversations", query_string={"q": q}, headers=bearer(token))
    assert res.status_code == 200, res.get_json()
    return {r["id"]: r for r in res.get_json()}


def visitor_on(
    http: FlaskClient, socket_client: Any, site: dict[str, Any], origin: str
) -> VisitorClient:
    res = http.post(
        "/api/v1/widget/session", json={"site_key": site["site_key"]}, headers={"Origin": origin}
    )
    assert res.status_code == 200, res.get_json()
    session = res.get_json()
    auth = {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
    return VisitorClient(socket_client("/widget", auth, origin=origin), session)


def chat(visitor: VisitorClient, *texts: str) -> int:
    conv = None
    for t in texts:
        ack = visitor.send(t, **({"conversation_id": conv} if conv else {}))
        assert ack["ok"], ack
        conv = ack["message"]["conversation_id"]
    assert conv is not None
    return int(conv)


def note(http: FlaskClient, token: str, conv: int, body: str) -> None:
    res = http.post(
        f"/api/v1/inbox/conversations/{conv}/notes", json={"text": body}, headers=bearer(token)
    )
    assert res.status_code == 201, res.get_json()


def marked(match: dict[str, Any]) -> list[str]:
    return [p["text"] for p in match["parts"] if p["mark"]]


def test_words_prefix_phrases_notes_and_snippets(
    chinwag_client: FlaskClient,
    admin_token: str,
    visitor_client: Any,
) -> None:
    conv = chat(
        visitor_client(),
        "My parcel never arrived, tracking number ZX81",
        "Can I get a <b>REFUND</b> & my money back?",
    )
    other = chat(visitor_client(), "Where is the refund policy page?")
    note(chinwag_client, admin_token, conv, "Wholesale partner: refunds need a manager")

    found = search(chinwag_client, admin_token, "refund")
    assert set(found) == {conv, other}
    # the last word is a prefix: the note's "refunds" matches too, after the message
    message, by_note = found[conv]["matches"]
    assert message["kind"] == "message" and marked(message) == ["REFUND"]
    assert by_note["kind"] == "note" and marked(by_note) == ["refunds"]
    # plain text, never HTML: the inbox renders the parts as text and <mark>
    assert "".join(p["text"] for p in message["parts"]) == (
        "Can I get a <b>REFUND</b> & my money back?"
    )
    (match,) = search(chinwag_client, admin_token, '"refund"')[conv]["matches"]  # quoted: whole
    assert match["kind"] == "message"

    assert conv in search(chinwag_client, admin_token, "ParCel arriv")  # case, last word a prefix
    assert search(chinwag_client, admin_token, "parc arrived") == {}  # other words are whole
    assert conv in search(chinwag_client, admin_token, '"never arrived"')
    assert search(chinwag_client, admin_token, '"arrived never"') == {}  # a phrase keeps order
    assert set(search(chinwag_client, admin_token, '"refund policy')) == {other}  # unclosed quote
    assert conv in search(chinwag_client, admin_token, "zx81")

    # a word only in the note finds the conversation; the snippet is the note's, labelled so
    found = search(chinwag_client, admin_token, "wholesale manager")
    assert set(found) == {conv}
    (match,) = found[conv]["matches"]
    assert match["kind"] == "note" and marked(match) == ["Wholesale", "manager"]
    assert match["author_name"]

    # a long message: the snippet is cut around the match
    long_conv = chat(visitor_client(), " ".join(["filler"] * 60 + ["kangaroo"] + ["tail"] * 60))
    (match,) = search(chinwag_client, admin_token, "kangaroo")[long_conv]["matches"]
    snippet = "".join(p["text"] for p in match["parts"])
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) <= 170
    assert marked(match) == ["kangaroo"]


def test_search_input_is_validated(chinwag_client: FlaskClient, admin_token: str) -> None:
    for q, says in (
        ("!!! ???", "letter or digit"),
        (" ".join(["word"] * 13), "at most 12 words"),
        ("x" * 201, "200"),
        ("nul\x00byte", "control characters"),  # PostgreSQL refuses NUL in text
    ):
        res = chinwag_client.get(
            "/api/v1/inbox/conversations", query_string={"q": q}, headers=bearer(admin_token)
        )
        assert res.status_code == 400, res.get_json()
        error = res.get_json()["error"]
        assert error["code"] == "validation_error"
        assert says in " ".join(error["details"]["q"])
    # FTS5 and tsquery syntax is just text here
    for q in (
        'a" OR "b',
        "NEAR(a b)",
        "col:word*",
        "a & !b | c",
        "'quote'",
        "-refund or",
        "x² ½ ﬁ",
        "🙂 日本語",
        "café\u0301",
    ):
        res = chinwag_client.get(
            "/api/v1/inbox/conversations", query_string={"q": q}, headers=bearer(admin_token)
        )
        assert res.status_code == 200, (q, res.get_json())


def test_an_agent_finds_only_their_teams_conversations_by_text(
    chinwag_app: Flask, chinwag_client: FlaskClient, socket_client: Any
) -> None:
    sites = {
        "a": create_site(chinwag_app, "Site A", ("https://a.example",)),
        "b": create_site(chinwag_app, "Site B", ("https://b.example",)),
    }
    tokens, ids = {}, {}
    for role in ("admin", "alpha", "beta"):
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
        ids[role] = create_user(
            chinwag_app, email, ADMIN_PASSWORD, "admin" if role == "admin" else "agent"
        )
        tokens[role] = login(chinwag_client, email, ADMIN_PASSWORD)
    for name, key, role in (("Alpha", "a", "alpha"), ("Beta", "b", "beta")):
        res = chinwag_client.post(
            "/api/v1/teams",
            json={"name": name, "site_ids": [sites[key]["id"]], "user_ids": [ids[role]]},
            headers=bearer(tokens["admin"]),
        )
        assert res.status_code == 201, res.get_json()
    convs = {}
    for key in ("a", "b"):
        visitor = visitor_on(chinwag_client, socket_client, sites[key], f"https://{key}.example")
        convs[key] = chat(visitor, f"the blue invoice of site {key}")
        note(chinwag_client, tokens["admin"], convs[key], "escalated to finance")
    for role, sees in (("admin", {"a", "b"}), ("alpha", {"a"}), ("beta", {"b"})):
        for q in ("blue invoice", '"of site b"', "finance", "escalat"):
            found = set(search(chinwag_client, tokens[role], q))
            expected = {convs[k] for k in sees if q != '"of site b"' or k == "b"}
            assert found == expected, (role, q)


def fts_terms(app: Flask) -> set[str]:
    """Every term the SQLite FTS5 indexes hold (fts5vocab over both tables)."""
    from chinwag.extensions import db

    with app.app_context():
        terms: set[str] = set()
        for fts in ("messages_fts", "notes_fts"):
            vocab = table(f"{fts}_vocab", column("term"), schema="temp")
            create = (
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_vocab "
                f"USING fts5vocab('main', '{fts}', 'row')"
            )
            db.session.execute(text(create))
            terms |= set(db.session.execute(select(vocab.c.term)).scalars())
        db.session.rollback()
        return terms


def sqlite(app: Flask) -> bool:
    return str(app.config["CHINWAG_DATABASE_URL"]).startswith("sqlite")


def test_erasure_leaves_no_search_row(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str, visitor_client: Any
) -> None:
    visitor = visitor_client()
    conv = chat(visitor, "my secret passphrase is marmalade")
    note(chinwag_client, admin_token, conv, "visitor mentioned aardvark")
    keep = chat(visitor_client(), "nothing private here")
    if sqlite(chinwag_app):
        assert {"marmalade", "aardvark", "private"} <= fts_terms(chinwag_app)
    res = chinwag_client.delete(
        f"/api/v1/visitors/{visitor.visitor_id}", headers=bearer(admin_token)
    )
    assert res.status_code == 200, res.get_json()
    assert search(chinwag_client, admin_token, "marmalade") == {}
    assert search(chinwag_client, admin_token, "aardvark") == {}
    assert set(search(chinwag_client, admin_token, "private")) == {keep}
    if sqlite(chinwag_app):
        terms = fts_terms(chinwag_app)
        assert not {"marmalade", "passphrase", "aardvark"} & terms and "private" in terms


def test_retention_leaves_no_search_row(
    chinwag_app: Flask,
    chinwag_client: FlaskClient,
    admin_token: str,
    visitor_client: Any,
    demo_site: dict[str, Any],
) -> None:
    from chinwag import retention
    from chinwag.actions.base import now
    from chinwag.extensions import db
    from chinwag.models import Conversation

    conv = chat(visitor_client(), "an old message about pelicans")
    note(chinwag_client, admin_token, conv, "pelicans again, and a walrus")
    with chinwag_app.app_context():
        db.session.execute(update(Conversation).values(updated_at=now() - timedelta(days=10)))
        db.session.add(retention.RetentionPolicy(site_id=demo_site["id"], conversation_days=1))
        db.session.commit()
        assert retention.run_site(demo_site["id"])["conversations"] == 1
    assert search(chinwag_client, admin_token, "pelicans") == {}
    assert search(chinwag_client, admin_token, "walrus") == {}
    if sqlite(chinwag_app):
        assert not {"pelicans", "walrus"} & fts_terms(chinwag_app)


def test_addresses_urls_and_dotted_words_are_found_as_typed(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str, visitor_client: Any
) -> None:
    """PostgreSQL's parser kept ``bob@example.com`` and URLs as one token that no query matched
    (migration 0024_search_punctuation); both backends now read punctuation as spaces."""
    mail = chat(visitor_client(), "Please write to Bob.Smith+orders@example.com, not me")
    link = chat(
        visitor_client(), "It breaks on https://shop.example.org/orders/4411?ref=mail&x=1 today"
    )
    version = chat(visitor_client(), "Since v1.2 the e-mail button is gone")
    note(chinwag_client, admin_token, link, "Same as http://status.example.org/incident/77")

    for q, expected in (
        ("bob.smith+orders@example.com", {mail}),  # the whole address, as typed
        ('"Bob.Smith+orders@example.com"', {mail}),  # quoted
        ("bob.smith+orders@exa", {mail}),  # typing it: the last part a prefix
        ("smith", {mail}),  # a part of the address
        ("https://shop.example.org/orders/4411?ref=mail&x=1", {link}),  # the whole URL
        ("shop.example.org/orders/4411", {link}),
        ("example.org", {link}),  # a host name in a message and in a note
        ("status.example.org/incident/77", {link}),  # the note's URL
        ("example.com", {mail}),
        ("v1.2", {version}),
        ("e-mail", {version}),
        ('"orders 4411"', {link}),  # a phrase across the URL's slash
        ('"4411 orders"', set()),  # words of the URL, not in that order
    ):
        assert set(search(chinwag_client, admin_token, q)) == expected, q
    (match,) = search(chinwag_client, admin_token, "bob.smith+orders@example.com")[mail]["matches"]
    assert marked(match) == ["Bob", "Smith", "orders", "example", "com"]
    (by_note,) = [
        m
        for m in search(chinwag_client, admin_token, "incident/77")[link]["matches"]
        if m["kind"] == "note"
    ]
    assert marked(by_note) == ["incident", "77"]


def test_postgres_search_uses_its_index(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str, visitor_client: Any
) -> None:
    """The query's vector is the index's own expression (else every search scans the table)."""
    if sqlite(chinwag_app):
        return  # SQLite's FTS5 tables are always the index
    from chinwag import search as fts
    from chinwag.extensions import db
    from chinwag.models import Message

    chat(visitor_client(), "mail bob@example.com")
    with chinwag_app.app_context():
        db.session.execute(text("SET enable_seqscan = off"))
        stmt = fts._matching_ids(Message, "messages_fts", fts.parse("bob@example.com"))
        # the statement as the driver gets it, with its parameters (``%%`` read as ``%``)
        compiled = stmt.compile(db.engine)
        explain = db.session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        plan = explain.scalars().all()
        db.session.rollback()
    assert any("ix_messages_fts" in line for line in plan), plan
