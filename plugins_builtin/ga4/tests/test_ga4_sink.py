"""chinwag-ga4 against a local, validating Measurement Protocol (``ga4_fake``): the catalogue's
events arrive under valid names with their parameters and the visitor's pseudonym as client id,
at most 25 a request; nothing without consent; a GA4 that is down loses nothing within the
buffer; the "Test connection" route reports the validation server's messages; the API secret is
never shown back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ga4_fake import FakeGA4, validate

from chinwag.testing import (
    CapturedAnalytics,
    FakeClock,
    VisitorClient,
    configure_plugin,
    deliver_analytics,
    overflow_analytics_buffer,
)

PLUGIN = "chinwag-ga4"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_catalogue_events_arrive_as_valid_measurement_protocol_events(
    ga4_app: Any,
    fake_ga4: FakeGA4,
    analytics: CapturedAnalytics,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    visitor = visitor_client(email="bob@example.com")
    visitor.send("my card number is 4111")
    ack = visitor.emit(
        "widget.track",
        {
            "name": "plan.upgraded",
            "properties": {
                "plan": "pro",
                "seats": 3,
                "trial": False,
                "firebase_id": "f",  # a reserved prefix
                "engagement_time_msec": "forged",
                "note": "n" * 300,  # GA4 takes 100 characters
                "2fa": True,  # names start with a letter
            },
        },
    )
    assert ack["ok"], ack
    deliver_analytics(ga4_app)
    pseudonym = analytics.of("message.sent")[0].distinct_id
    assert fake_ga4.errors == []
    names = [e["name"] for _cid, e in fake_ga4.events()]
    assert {"widget_session_started", "conversation_started", "message_sent"} <= set(names)
    assert "widget_plan_upgraded" in names
    ((cid, sent),) = fake_ga4.events("message_sent")
    assert cid == pseudonym
    params = sent["params"]
    assert params["author_kind"] == "visitor" and params["seq"] == 1
    assert (
        params["conversation_id"] == analytics.of("message.sent")[0].properties["conversation_id"]
    )
    ((_cid, upgraded),) = fake_ga4.events("widget_plan_upgraded")
    assert upgraded["params"]["plan"] == "pro" and upgraded["params"]["seats"] == 3
    assert upgraded["params"]["trial"] == "false"
    assert upgraded["params"]["p_firebase_id"] == "f" and upgraded["params"]["p_2fa"] == "true"
    assert upgraded["params"]["engagement_time_msec"] == 1
    assert upgraded["params"]["note"] == "n" * 100
    flat = repr(fake_ga4.bodies)
    assert "card number" not in flat and "bob@example.com" not in flat
    assert str(visitor.visitor_id) not in {c for c, _e in fake_ga4.events()}


def test_text_leaves_only_when_opted_in_and_email_never(
    ga4_app: Any,
    fake_ga4: FakeGA4,
    site_settings: Callable[..., Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    site_settings(analytics_fields=["text", "email"])
    visitor_client(email="bob@example.com").send("opted-in text")
    deliver_analytics(ga4_app)
    assert fake_ga4.errors == []
    ((_cid, sent),) = fake_ga4.events("message_sent")
    assert sent["params"]["text"] == "opted-in text"
    assert "bob@example.com" not in repr(fake_ga4.bodies)


def test_requests_carry_at_most_25_events_of_one_client(
    ga4_app: Any, fake_ga4: FakeGA4, visitor_client: Callable[..., VisitorClient]
) -> None:
    visitor = visitor_client()
    for n in range(14):  # with widget.session_started: 29 events of one visitor
        visitor.emit("widget.track", {"name": f"step.{n}", "properties": {"n": n}})
        visitor.emit("widget.track", {"name": f"other.{n}", "properties": {"n": n}})
    deliver_analytics(ga4_app)
    assert fake_ga4.errors == []
    assert len(fake_ga4.events()) == 29
    assert all(len(b["events"]) <= 25 for b in fake_ga4.bodies) and len(fake_ga4.bodies) >= 2
    assert len({b["client_id"] for b in fake_ga4.bodies}) == 1


def test_events_older_than_ga4_takes_are_left_out(
    ga4_app: Any,
    fake_ga4: FakeGA4,
    clock: FakeClock,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    visitor = visitor_client()
    visitor.send("before the outage")  # 3 events
    assert ga4_app.extensions["chinwag"].bus.wait_idle()
    clock.advance(hours=73)  # delivered only now: GA4 takes 72 hours back at most
    visitor.emit("widget.track", {"name": "back", "properties": {}})
    deliver_analytics(ga4_app)
    assert fake_ga4.errors == []
    assert [e["name"] for _cid, e in fake_ga4.events()] == ["widget_back"]


def test_nothing_reaches_ga4_without_consent(
    ga4_app: Any,
    fake_ga4: FakeGA4,
    site_settings: Callable[..., Any],
    sink_health: Callable[[str], dict[str, int]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    site_settings(consent_required=True, consent_version="v1")
    visitor_client().send("no consent")
    visitor_client(consent_version="v1").send("agreed")
    deliver_analytics(ga4_app)
    assert fake_ga4.errors == []
    assert len({cid for cid, _e in fake_ga4.events()}) == 1
    assert sink_health(PLUGIN)["withheld"] == 3


def test_ga4_down_loses_nothing_within_the_buffer_and_counts_the_rest(
    ga4_app: Any,
    fake_ga4: FakeGA4,
    sink_health: Callable[[str], dict[str, int]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    fake_ga4.down = True
    overflow_analytics_buffer(ga4_app, visitor_client)  # 6 events: 1 beyond the buffer
    health = sink_health(PLUGIN)
    assert (health["pending"], health["dropped"], health["delivered"]) == (5, 1, 0)

    fake_ga4.down = False
    deliver_analytics(ga4_app)
    assert fake_ga4.errors == []
    assert len(fake_ga4.events()) == 5
    health = sink_health(PLUGIN)
    assert health["pending"] == 0 and health["delivered"] == 5


def test_test_connection_reports_the_validation_servers_messages(
    ga4_app: Any, fake_ga4: FakeGA4, chinwag_client: Any, admin_token: str
) -> None:
    res = chinwag_client.post("/api/v1/ga4/check", headers=_auth(admin_token))
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["ok"] is True and body["messages"] == []
    assert body["endpoint"] == f"{fake_ga4.url}/debug/mp/collect"
    assert fake_ga4.debug_bodies and fake_ga4.bodies == []  # nothing was recorded

    configure_plugin(ga4_app, PLUGIN, api_secret="wrong")
    body = chinwag_client.post("/api/v1/ga4/check", headers=_auth(admin_token)).get_json()
    assert body["ok"] is False
    assert {m["fieldPath"] for m in body["messages"]} == {"api_secret"}

    fake_ga4.down = True
    res = chinwag_client.post("/api/v1/ga4/check", headers=_auth(admin_token))
    assert res.status_code == 502 and res.get_json()["error"]["code"] == "ga4_unreachable"

    configure_plugin(ga4_app, PLUGIN, api_secret="")
    res = chinwag_client.post("/api/v1/ga4/check", headers=_auth(admin_token))
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "ga4_not_configured"
    assert chinwag_client.post("/api/v1/ga4/check").status_code == 401


def test_the_fake_validates_like_ga4() -> None:
    """The local server refuses what GA4 refuses (so the tests above can trust its silence)."""
    ids = ("G-TEST1234", "s")
    query = {"measurement_id": ["G-TEST1234"], "api_secret": ["s"]}
    good = {"client_id": "c", "events": [{"name": "message_sent", "params": {"seq": 1}}]}
    assert validate(query, good, ids) == []
    codes = {
        "bad name": {"client_id": "c", "events": [{"name": "message.sent"}]},
        "reserved": {"client_id": "c", "events": [{"name": "session_start"}]},
        "too many": {"client_id": "c", "events": [{"name": "e"}] * 26},
        "long value": {"client_id": "c", "events": [{"name": "e", "params": {"p": "x" * 101}}]},
        "no client": {"events": [{"name": "e"}]},
    }
    found = {k: {m["validationCode"] for m in validate(query, v, ids)} for k, v in codes.items()}
    assert found == {
        "bad name": {"NAME_INVALID"},
        "reserved": {"NAME_RESERVED"},
        "too many": {"EXCEEDED_MAX_ENTITIES"},
        "long value": {"VALUE_OUT_OF_BOUNDS"},
        "no client": {"VALUE_REQUIRED"},
    }


def test_the_api_secret_is_never_shown_back(
    ga4_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    body = repr(
        chinwag_client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(admin_token)).get_json()
    )
    assert "ga-secret-1" not in body and "G-TEST1234" in body
