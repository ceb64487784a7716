"""The analytics pipeline (docs/analytics.md): the catalogue's events, pseudonyms, opt-in fields,
the consent gate, validated host-page events, and delivery on the job queue with a bounded buffer
for a sink that is down."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext

from chinwag.testing import (
    VisitorClient,
    create_site,
    deliver_analytics,
    register_plugin,
)

pytestmark = pytest.mark.filterwarnings("ignore")


class FirstParty(AnalyticsSink):
    first_party: ClassVar[bool] = True
    got: ClassVar[list[AnalyticsEvent]] = []

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.got.append(event)


class Flaky(AnalyticsSink):
    """A third-party sink whose service is down while ``down`` is set."""

    down: ClassVar[bool] = True
    got: ClassVar[list[AnalyticsEvent]] = []

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        if Flaky.down:
            raise ConnectionError("service unreachable")
        self.got.append(event)


def _settings(app: Any, site_id: int, **settings: Any) -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        site.widget_settings = {**(site.widget_settings or {}), **settings}
        db.session.commit()


def _health(client: Any, token: str, name: str) -> dict[str, int]:
    res = client.get(f"/api/v1/plugins/{name}", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json()["health"]["analytics"])


def test_visitors_are_pseudonymous_and_text_or_email_leave_only_when_opted_in(
    chinwag_app: Any,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
    analytics: Any,
) -> None:
    visitor = visitor_client(email="ann@example.com")
    visitor.send("my card number is 4111")
    sent = analytics.of("message.sent")
    assert len(sent) == 1
    assert "text" not in sent[0].properties and "email" not in sent[0].properties
    assert re.fullmatch(r"[0-9a-f]{32}", sent[0].distinct_id or "")
    assert sent[0].distinct_id != str(visitor.visitor_id)
    # the same visitor has the same pseudonym on every event
    assert {e.distinct_id for e in analytics.events} == {sent[0].distinct_id}

    _settings(chinwag_app, demo_site["id"], analytics_fields=["text", "email"])
    visitor.send("second message")
    (_, second) = analytics.of("message.sent")
    assert second.properties["text"] == "second message"
    assert second.properties["email"] == "ann@example.com"
    assert second.distinct_id == sent[0].distinct_id

    # another site: another salt, so no way to link the two visitors
    from chinwag.actions.analytics import pseudonym

    other = create_site(chinwag_app, "Other", ("https://other.example",))
    with chinwag_app.app_context():
        assert pseudonym(other["id"], visitor.visitor_id) != sent[0].distinct_id


def test_the_catalogue_events_of_a_conversation(
    chinwag_app: Any,
    visitor_client: Callable[..., VisitorClient],
    agent_client: Callable[..., Any],
    analytics: Any,
) -> None:
    from chinwag.actions.conversations import hand_off

    agent = agent_client()
    visitor = visitor_client()
    visitor.send("hello")
    visitor.send("anyone?")
    agent.send("hi!", conversation_id=visitor.conversation_id)
    agent.send("how can I help?", conversation_id=visitor.conversation_id)
    with chinwag_app.app_context():
        hand_off(visitor.conversation_id, "bot:helper")
    assert agent.emit("conversation.close", {"conversation_id": visitor.conversation_id})["ok"]
    (first,) = analytics.of("conversation.first_response")
    assert first.properties["author_kind"] == "agent"
    assert first.properties["conversation_id"] == visitor.conversation_id
    assert first.properties["seconds"] >= 0
    kinds = [e.properties["author_kind"] for e in analytics.of("message.sent")]
    assert kinds == ["visitor", "visitor", "agent", "agent"]
    (handed,) = analytics.of("conversation.handed_off")
    assert handed.properties["by"] == "bot:helper"
    (closed,) = analytics.of("conversation.closed")
    assert closed.properties["by_kind"] == "agent"
    assert len(analytics.of("conversation.started")) == 1


def test_third_party_sinks_get_nothing_without_consent(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    FirstParty.got.clear()
    Flaky.got.clear()
    Flaky.down = False
    register_plugin(chinwag_app, "own-stats", FirstParty)
    register_plugin(chinwag_app, "third-party", Flaky)
    _settings(chinwag_app, demo_site["id"], consent_required=True, consent_version="v1")
    silent = visitor_client()
    silent.send("no consent given")
    agreed = visitor_client(consent_version="v1")
    agreed.send("I agreed")
    deliver_analytics(chinwag_app)
    assert {e.visitor_id for e in Flaky.got} == {agreed.visitor_id}
    assert {e.visitor_id for e in FirstParty.got} == {silent.visitor_id, agreed.visitor_id}
    assert _health(chinwag_client, admin_token, "third-party")["withheld"] == 3


def test_host_page_events_are_validated(
    visitor_client: Callable[..., VisitorClient], analytics: Any
) -> None:
    visitor = visitor_client()

    def track(name: Any, props: Any) -> dict[str, Any]:
        return visitor.emit("widget.track", {"name": name, "properties": props})

    for props in ({"name": "x"}, {"site_id": 1}, {"distinct_id": "forged"}):
        ack = track("clicked", props)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack
    assert track("clicked", {"nested": {"a": 1}})["error"]["code"] == "validation_error"
    assert track("clicked", {"long": "x" * 501})["error"]["code"] == "validation_error"
    assert track("session_started", {})["error"]["code"] == "validation_error"
    assert track("bad name!", {})["error"]["code"] == "validation_error"
    assert track("plan.upgraded", {"plan": "pro", "seats": 3, "trial": False})["ok"]
    (event,) = analytics.of("widget.plan.upgraded")
    assert dict(event.properties) == {"plan": "pro", "seats": 3, "trial": False}
    assert event.visitor_id == visitor.visitor_id


def test_a_sink_that_is_down_loses_nothing_within_its_buffer_and_counts_the_rest(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    Flaky.got.clear()
    Flaky.down = True
    chinwag_app.config.update(CHINWAG_ANALYTICS_BUFFER=5, CHINWAG_ANALYTICS_BATCH=2)
    register_plugin(chinwag_app, "third-party", Flaky)
    jobs = chinwag_app.extensions["chinwag"].jobs
    visitor = visitor_client()  # widget.session_started
    for n in range(4):  # message.sent x4, conversation.started: 6 events, 1 beyond the buffer
        visitor.send(f"message {n}")
    assert chinwag_app.extensions["chinwag"].bus.wait_idle()
    assert jobs.run_pending(max_jobs=2) == 2  # two batches of the 5 kept: both fail, requeued
    health = _health(chinwag_client, admin_token, "third-party")
    assert (health["pending"], health["dropped"], health["delivered"]) == (5, 1, 0)
    kept = health["pending"]

    Flaky.down = False  # the service is back: every buffered event arrives, in order
    deliver_analytics(chinwag_app)
    assert len(Flaky.got) == kept
    health = _health(chinwag_client, admin_token, "third-party")
    assert health["pending"] == 0 and health["delivered"] == kept and health["dead_letters"] == 0
    assert health["retried"] >= 1


def test_a_batch_failing_every_attempt_becomes_dead_letters(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    Flaky.got.clear()
    Flaky.down = True
    chinwag_app.config.update(CHINWAG_ANALYTICS_ATTEMPTS=3)
    register_plugin(chinwag_app, "third-party", Flaky)
    visitor_client().send("hello")  # 3 events
    deliver_analytics(chinwag_app)  # every retry runs at once
    health = _health(chinwag_client, admin_token, "third-party")
    assert health["dead_letters"] == 3 and health["pending"] == 0
    assert Flaky.got == []


def test_the_analytics_catalogue_in_the_docs_is_current() -> None:
    from pathlib import Path

    from chinwag.events import render_analytics

    docs = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"
    assert docs.read_text() == render_analytics(), "run `make docs`"


def test_events_of_a_visitor_erased_while_they_wait_reach_no_sink(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    from chinwag.actions import analytics as pipeline

    FirstParty.got.clear()
    register_plugin(chinwag_app, "own-stats", FirstParty)
    kept, erased = visitor_client(), visitor_client()
    kept.send("I stay")
    erased.send("forget me")
    assert chinwag_app.extensions["chinwag"].bus.wait_idle()
    with chinwag_app.app_context():
        assert pipeline.flush() > 0  # queued as a job, not delivered yet
    res = chinwag_client.delete(
        f"/api/v1/visitors/{erased.visitor_id}", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code in (200, 204), res.get_json()
    deliver_analytics(chinwag_app)
    got = {e.visitor_id for e in FirstParty.got}
    assert kept.visitor_id in got and erased.visitor_id not in got
    health = _health(chinwag_client, admin_token, "own-stats")
    assert health["withheld"] == 3 and health["pending"] == 0  # session, conversation, message


def test_the_widgets_own_reports_carry_the_catalogues_properties(
    visitor_client: Callable[..., VisitorClient], analytics: Any
) -> None:
    visitor = visitor_client()

    def track(name: str, props: Any) -> dict[str, Any]:
        return visitor.emit("widget.track", {"name": name, "properties": props})

    for name, props in (
        ("loaded", {}),
        ("loaded", {"mode": "iframe"}),
        ("opened", {"unread": -1}),
        ("opened", {"unread": "2"}),
        ("opened", {"unread": 1, "extra": True}),
        ("closed", {"seconds": "long"}),
    ):
        ack = track(name, props)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", (name, ack)
    # an older frame's own ``loaded``: accepted, and dropped (the server counts loads itself)
    assert track("loaded", {"mode": "page"})["ok"]
    assert track("opened", {"unread": 2})["ok"]
    assert track("closed", {"seconds": 12.5})["ok"]
    analytics.drain()
    got = [(e.name, dict(e.properties)) for e in analytics.events]
    got = [g for g in got if g[0] != "widget.session_started"]
    assert got == [
        ("widget.opened", {"unread": 2}),
        ("widget.closed", {"seconds": 12.5}),
    ]


def test_facts_of_concurrent_misses_on_postgresql_share_one_query(
    tmp_path: Any, pg_url: str
) -> None:
    """The batched lookup gives what the session's query gives (opt-in fields, e-mail,
    consent; an unknown visitor: no consent), for every visitor of the batch at once."""
    import threading
    import time

    from chinwag.actions import analytics as pipeline_module
    from chinwag.extensions import db
    from chinwag.models import Visitor
    from chinwag.testing import dispose, make_app

    app = make_app(tmp_path, pg_url)
    site = create_site(app)
    _settings(app, site["id"], analytics_fields=["email"])
    with app.app_context():
        rows = [Visitor(site_id=site["id"], email=f"v{i}@example.com") for i in range(4)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [v.id for v in rows] + [max(v.id for v in rows) + 1000]
        expected = {i: pipeline_module.facts(site["id"], i) for i in ids}
    lookup = pipeline_module.FactsLookup
    sizes: list[int] = []
    original = lookup._write

    def write(self: Any, batch: list[Any]) -> None:
        if not sizes:  # the first leader waits until every other miss is queued
            deadline = time.monotonic() + 10
            while len(self._pending) < len(ids) - 1 and time.monotonic() < deadline:
                time.sleep(0.01)
        sizes.append(len(batch))
        original(self, batch)

    got: dict[int, Any] = {}

    def miss(visitor_id: int) -> None:
        with app.app_context():
            got[visitor_id] = pipeline_module._fresh_facts(site["id"], visitor_id)

    lookup._write = write  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=miss, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    finally:
        lookup._write = original  # type: ignore[method-assign]
        dispose(app)
    assert sizes == [1, len(ids) - 1]
    assert got == expected
    assert expected[ids[0]].email == "v0@example.com" and expected[ids[0]].consented
    assert expected[ids[0]].opted_in == frozenset({"email"})
    assert not expected[ids[-1]].consented
