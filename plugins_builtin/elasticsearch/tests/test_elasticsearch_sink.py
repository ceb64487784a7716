"""chinwag-elasticsearch against a real OpenSearch-API server on loopback: the documents and
their fields, the index template's mappings, consent, a server that is down, and erasure."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import (
    VisitorClient,
    deliver_analytics,
    enable_plugin,
    overflow_analytics_buffer,
    plugin_context,
)

PLUGIN = "chinwag-elasticsearch"
SearchServer = Any  # conftest.SearchServer (conftest modules are not imported by name)


def test_a_conversation_arrives_as_documents_with_their_fields(
    es_app: Any,
    search_server: SearchServer,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., Any],
    analytics: Any,
) -> None:
    agent = agent_client()
    visitor = visitor_client(email="ann@example.com")
    visitor.send("my card number is 4111")
    agent.send("hello, how can I help?", conversation_id=visitor.conversation_id)
    assert agent.close_conversation(visitor.conversation_id)["ok"]
    ack = visitor.emit(
        "widget.track", {"name": "plan.upgraded", "properties": {"plan": "pro", "seats": 3}}
    )
    assert ack["ok"], ack
    sent = analytics.wait(6)  # the captured sink gets the same events as ours
    deliver_analytics(es_app)

    docs = search_server.search()
    assert sorted(d["event"] for d in docs) == sorted(e.name for e in sent)
    month = datetime.now(UTC).strftime("%Y.%m")
    assert {d["_index"] for d in docs} == {f"chinwag-events-{month}"}
    pseudonym = sent[0].distinct_id
    assert re.fullmatch(r"[0-9a-f]{32}", pseudonym or "")
    for doc in docs:
        # the pseudonym names the visitor; never Chinwag's own id, the e-mail or the text
        assert doc["distinct_id"] == pseudonym
        assert "visitor_id" not in doc and "email" not in doc and "text" not in doc
        # (not the timestamp: its microseconds may read 4111)
        assert "4111" not in str({k: v for k, v in doc.items() if k != "@timestamp"})
        assert doc["site_id"] == str(sent[0].site_id)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", doc["@timestamp"])
    by_event = {d["event"]: d for d in docs}
    cid = str(visitor.conversation_id)
    assert by_event["conversation.started"]["conversation_id"] == cid
    kinds = sorted(d["author_kind"] for d in docs if d["event"] == "message.sent")
    assert kinds == ["agent", "visitor"]
    first = by_event["conversation.first_response"]
    assert first["author_kind"] == "agent" and isinstance(first["seconds"], float)
    assert by_event["conversation.closed"]["by_kind"] == "agent"
    # a host page's properties are kept, unindexed, under props
    assert by_event["widget.plan.upgraded"]["props"] == {"plan": "pro", "seats": 3}

    # documents are found by their keyword fields
    found = search_server.search({"term": {"conversation_id": cid}})
    assert {d["event"] for d in found} >= {"conversation.started", "message.sent"}
    mapping = requests.get(f"{search_server.url}/chinwag-events-{month}/_mapping", timeout=10)
    props = mapping.json()[f"chinwag-events-{month}"]["mappings"]["properties"]
    assert props["conversation_id"]["type"] == "keyword"
    assert props["@timestamp"]["type"] == "date"
    assert props["seconds"]["type"] == "double"
    assert "plan" not in props and str(props["props"].get("dynamic")).lower() == "false"


def test_opted_in_text_and_feedback_ratings_are_indexed_once_however_often_sent(
    es_app: Any, search_server: SearchServer, analytics: Any
) -> None:
    now = datetime.now(UTC)
    events = [
        AnalyticsEvent(
            "feedback.rating_given",
            1,
            7,
            {
                "rating_id": 3,
                "conversation_id": 9,
                "message_id": 12,
                "author_kind": "bot",
                "agent_id": None,
                "value": "down",
                "reason": "wrong",
                "has_comment": True,
                "locale": "en",
            },
            now,
            "a" * 32,
        ),
        AnalyticsEvent(
            "feedback.csat_answered",
            1,
            7,
            {
                "survey_id": 4,
                "conversation_id": 9,
                "scale": "stars",
                "score": 4,
                "satisfied": True,
                "has_comment": False,
            },
            now,
            "a" * 32,
        ),
        AnalyticsEvent(
            "message.sent",
            1,
            7,
            {"conversation_id": 9, "author_kind": "visitor", "seq": 1, "text": "opted in"},
            now,
            "a" * 32,
        ),
    ]
    sink = (
        es_app.extensions["chinwag"]
        .plugins.records[PLUGIN]
        .named[("chinwag.analytics", "elasticsearch")]
    )
    with es_app.app_context():
        ctx = plugin_context(es_app, PLUGIN)
        sink.track_batch(ctx, events)
        sink.track_batch(ctx, events)  # a batch the host delivers again
    docs = {d["event"]: d for d in search_server.search()}
    assert len(search_server.search()) == 3
    rating = docs["feedback.rating_given"]
    assert (rating["value"], rating["reason"], rating["rating_id"]) == ("down", "wrong", "3")
    assert rating["has_comment"] is True and "agent_id" not in rating
    csat = docs["feedback.csat_answered"]
    assert csat["score"] == 4.0 and csat["satisfied"] is True and csat["scale"] == "stars"
    assert docs["message.sent"]["text"] == "opted in" and docs["message.sent"]["seq"] == 1
    hits = requests.post(
        f"{search_server.url}/chinwag-events-*/_search",
        json={"query": {"match": {"text": "opted"}}},
        timeout=10,
    ).json()["hits"]["hits"]
    assert len(hits) == 1


def test_nothing_of_a_visitor_without_consent(
    es_app: Any,
    site_settings: Callable[..., Any],
    sink_health: Callable[[str], dict[str, int]],
    search_server: SearchServer,
    visitor_client: Callable[..., VisitorClient],
    analytics: Any,
) -> None:
    site_settings(consent_required=True, consent_version="v1")
    silent = visitor_client()
    silent.send("no consent given")
    agreed = visitor_client(consent_version="v1")
    agreed.send("I agreed")
    deliver_analytics(es_app)
    consented = {e.distinct_id for e in analytics.events}
    assert len(consented) == 1 and {e.visitor_id for e in analytics.events} == {agreed.visitor_id}
    docs = search_server.search()
    assert docs and {d["distinct_id"] for d in docs} == consented
    assert sink_health(PLUGIN)["withheld"] >= 2


def test_a_server_that_is_down_loses_nothing_within_the_buffer_and_counts_the_rest(
    es_app: Any,
    sink_health: Callable[[str], dict[str, int]],
    search_server: SearchServer,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    search_server.stop()
    overflow_analytics_buffer(es_app, visitor_client)  # 6 events, 1 beyond the buffer
    health = sink_health(PLUGIN)
    assert (health["pending"], health["dropped"], health["delivered"]) == (5, 1, 0)

    search_server.start()  # back, and empty: the template is installed again first
    deliver_analytics(es_app)
    docs = search_server.search()
    assert len(docs) == 5
    health = sink_health(PLUGIN)
    assert (health["pending"], health["delivered"], health["dead_letters"]) == (0, 5, 0)
    assert health["retried"] >= 1
    template = requests.get(f"{search_server.url}/_index_template/chinwag-events", timeout=10)
    assert template.status_code == 200


def test_erasing_a_visitor_deletes_their_documents(
    es_app: Any,
    chinwag_client: Any,
    admin_token: str,
    search_server: SearchServer,
    visitor_client: Callable[..., VisitorClient],
    analytics: Any,
) -> None:
    leaving = visitor_client()
    leaving.send("please forget me")
    staying = visitor_client()
    staying.send("I stay")
    deliver_analytics(es_app)
    ids = {e.visitor_id: e.distinct_id for e in analytics.events}
    assert {d["distinct_id"] for d in search_server.search()} == set(ids.values())
    export = chinwag_client.get(
        f"/api/v1/visitors/{leaving.visitor_id}/export",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert export.status_code == 200, export.get_json()
    assert export.get_json()["plugins"][PLUGIN]["distinct_ids"] == [ids[leaving.visitor_id]]

    res = chinwag_client.delete(
        f"/api/v1/visitors/{leaving.visitor_id}",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code in (200, 204), res.get_json()
    assert {d["distinct_id"] for d in search_server.search()} == {ids[staying.visitor_id]}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_survey_answered_in_chinwag_feedback_is_indexed(
    es_app: Any,
    answer_bot: None,
    search_server: SearchServer,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    enable_plugin(es_app, "chinwag-feedback")
    visitor = visitor_client()
    assert visitor.send("hello")["ok"]
    visitor.wait_for_reply()
    assert visitor.close_conversation()["ok"]
    ack = visitor.submit(visitor.wait_for_prompt("feedback.survey"), score="5")
    assert ack["ok"], ack
    deliver_analytics(es_app)
    (csat,) = search_server.search({"term": {"event": "feedback.csat_answered"}})
    assert csat["conversation_id"] == str(visitor.conversation_id)
    assert csat["score"] == 5.0 and csat["satisfied"] is True and csat["scale"] == "stars"
