"""chinwag-mixpanel against a local, validating Mixpanel (``mixpanel_fake``): the catalogue's
events arrive with their properties under the visitor's pseudonym, nothing without consent, a
Mixpanel that is down loses nothing within the buffer, identity merge for verified visitors, a
GDPR deletion request on erasure, and the secrets never shown back."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from mixpanel_fake import FakeMixpanel

from chinwag.testing import (
    CapturedAnalytics,
    FakeClock,
    VisitorClient,
    configure_plugin,
    deliver_analytics,
    exported_service,
    overflow_analytics_buffer,
    run_jobs,
)

PLUGIN = "chinwag-mixpanel"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_catalogue_events_arrive_with_their_properties_and_pseudonyms_only(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    analytics: CapturedAnalytics,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    visitor = visitor_client(email="ann@example.com")
    visitor.send("my secret order number is 1234")
    visitor.send("and a second message")
    deliver_analytics(mixpanel_app)
    captured = analytics.of("message.sent")
    pseudonym = captured[0].distinct_id
    assert pseudonym and pseudonym != str(visitor.visitor_id)

    assert fake_mixpanel.errors == []
    assert set(fake_mixpanel.requests) == {"/import"}  # the API secret is set
    names = [e["event"] for e in fake_mixpanel.events]
    assert names.count("message.sent") == 2
    assert "conversation.started" in names and "widget.session_started" in names
    sent = sorted(fake_mixpanel.named("message.sent"), key=lambda e: e["properties"]["seq"])
    props = sent[0]["properties"]
    assert props["distinct_id"] == pseudonym
    assert props["author_kind"] == "visitor" and props["seq"] == 1
    assert props["conversation_id"] == captured[0].properties["conversation_id"]
    assert props["time"] == int(captured[0].occurred_at.timestamp() * 1000)
    # neither the text, the e-mail address, Chinwag's own visitor id nor an IP leaves
    flat = repr(fake_mixpanel.events) + repr(fake_mixpanel.profiles)
    assert "secret order" not in flat and "ann@example.com" not in flat
    assert "visitor_id" not in props and "ip" not in props
    assert fake_mixpanel.profiles == []
    assert len({e["properties"]["$insert_id"] for e in fake_mixpanel.events}) == len(names)


def test_text_and_email_leave_only_when_the_site_opted_in(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    site_settings: Callable[..., Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    site_settings(analytics_fields=["text", "email"])
    visitor_client(email="ann@example.com").send("opted-in text")
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    (sent,) = fake_mixpanel.named("message.sent")
    assert sent["properties"]["text"] == "opted-in text"
    assert "email" not in sent["properties"]  # on the profile, not on every event
    pseudonym = sent["properties"]["distinct_id"]
    assert {"$token": fake_mixpanel.token, "$distinct_id": pseudonym}.items() <= (
        fake_mixpanel.profiles[0].items()
    )
    assert {p["$set"]["$email"] for p in fake_mixpanel.profiles} == {"ann@example.com"}


def test_without_an_api_secret_events_go_to_track(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, api_secret="")
    visitor_client().send("hello")
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    assert set(fake_mixpanel.requests) == {"/track"}
    assert [e["event"] for e in fake_mixpanel.named("message.sent")] == ["message.sent"]


def test_host_page_properties_cannot_replace_mixpanels_own(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    props = {"token": "forged", "time": 5, "$insert_id": "x", "mp_lib": "js", "plan": "pro"}
    ack = visitor_client().emit("widget.track", {"name": "plan.upgraded", "properties": props})
    assert ack["ok"], ack
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    (event,) = fake_mixpanel.named("widget.plan.upgraded")
    got = event["properties"]
    assert got["token"] == fake_mixpanel.token and got["time"] > 10**12
    assert got["$insert_id"] != "x" and got["mp_lib"] == "python"
    assert (got["chinwag_token"], got["chinwag_time"], got["chinwag_insert_id"]) == (
        "forged",
        5,
        "x",
    )
    assert got["chinwag_mp_lib"] == "js" and got["plan"] == "pro"


def test_without_an_api_secret_events_too_old_for_track_are_left_out(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    clock: FakeClock,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, api_secret="")
    visitor = visitor_client()
    visitor.send("before the outage")  # session, conversation, message: 3 events
    assert mixpanel_app.extensions["chinwag"].bus.wait_idle()
    clock.advance(days=6)  # delivered only now: /track would refuse the whole request
    visitor.emit("widget.track", {"name": "back", "properties": {}})
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    assert [e["event"] for e in fake_mixpanel.events] == ["widget.back"]


def test_a_wrong_secret_is_refused_and_retried_not_lost(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    sink_health: Callable[[str], dict[str, int]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    mixpanel_app.config.update(CHINWAG_ANALYTICS_ATTEMPTS=2)
    configure_plugin(mixpanel_app, PLUGIN, api_secret="wrong")
    visitor_client().send("hello")  # 3 events
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.events == []
    assert any("basic auth" in e for e in fake_mixpanel.errors)
    health = sink_health(PLUGIN)
    assert health["dead_letters"] == 3 and health["delivered"] == 0


def test_nothing_reaches_mixpanel_without_consent(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    site_settings: Callable[..., Any],
    sink_health: Callable[[str], dict[str, int]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    site_settings(consent_required=True, consent_version="v1")
    silent = visitor_client()
    silent.send("no consent given")
    agreed = visitor_client(consent_version="v1")
    agreed.send("I agreed")
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    ids = {e["properties"]["distinct_id"] for e in fake_mixpanel.events}
    assert len(ids) == 1  # only the visitor who agreed
    assert sink_health(PLUGIN)["withheld"] == 3


def test_mixpanel_down_loses_nothing_within_the_buffer_and_counts_the_rest(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    sink_health: Callable[[str], dict[str, int]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    fake_mixpanel.down = True
    overflow_analytics_buffer(mixpanel_app, visitor_client)  # 6 events, 1 beyond the buffer
    health = sink_health(PLUGIN)
    assert (health["pending"], health["dropped"], health["delivered"]) == (5, 1, 0)
    assert fake_mixpanel.events == []

    fake_mixpanel.down = False
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    assert len(fake_mixpanel.unique()) == 5
    health = sink_health(PLUGIN)
    assert health["pending"] == 0 and health["delivered"] == 5 and health["retried"] >= 1


def _identity(site: dict[str, Any], sub: str) -> str:
    claims = {"sub": sub, "exp": int(time.time()) + 600}
    return jwt.encode(claims, site["identity_secret"], algorithm="HS256")


def test_a_verified_visitor_is_merged_with_the_sites_user_id(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, identity_merge="merge")
    visitor_client().send("anonymous")  # never merged
    verified = visitor_client(identity=_identity(demo_site, "user-42"))
    verified.send("signed in")
    verified.send("again")
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == []
    (merge,) = fake_mixpanel.named("$merge")  # once, though the visitor sent two messages
    pseudonyms = {
        e["properties"]["distinct_id"]
        for e in fake_mixpanel.named("message.sent")
        if e["properties"]["seq"] == 2
    }
    assert merge["properties"]["$distinct_ids"] == [*pseudonyms, "user-42"]
    assert merge in fake_mixpanel.imported


def test_simplified_id_merge_tags_a_verified_visitors_events(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, identity_merge="simplified")
    visitor_client(identity=_identity(demo_site, "user-7")).send("hi")
    deliver_analytics(mixpanel_app)
    assert fake_mixpanel.errors == [] and fake_mixpanel.named("$merge") == []
    (sent,) = fake_mixpanel.named("message.sent")
    props = sent["properties"]
    assert props["distinct_id"] == "user-7" and props["$user_id"] == "user-7"
    assert props["$device_id"] and props["$device_id"] != "user-7"


def test_erasing_a_visitor_asks_mixpanel_to_delete_their_ids(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, identity_merge="merge")
    visitor = visitor_client(identity=_identity(demo_site, "user-9"))
    visitor.send("please forget me")
    other = visitor_client()
    other.send("keep me")
    deliver_analytics(mixpanel_app)
    mine = next(e["properties"]["$distinct_ids"][0] for e in fake_mixpanel.named("$merge"))
    url = f"/api/v1/visitors/{visitor.visitor_id}"
    exported = exported_service(chinwag_client, admin_token, visitor.visitor_id, "Mixpanel")
    assert exported == {
        "service": "Mixpanel",
        "sent": True,
        "distinct_ids": [mine, "user-9"],
        "first_sent_at": exported["first_sent_at"],
    }

    res = chinwag_client.delete(url, headers=_auth(admin_token))
    assert res.status_code in (200, 204), res.get_json()
    run_jobs(mixpanel_app)
    assert fake_mixpanel.errors == []
    (deletion,) = fake_mixpanel.deletions
    assert deletion == {"distinct_ids": [mine, "user-9"], "compliance_type": "GDPR"}
    # erasing again finds nothing left to ask for
    chinwag_client.delete(url, headers=_auth(admin_token))
    run_jobs(mixpanel_app)
    assert len(fake_mixpanel.deletions) == 1


def test_without_a_gdpr_token_the_erasure_names_the_plugin_as_failed(
    mixpanel_app: Any,
    fake_mixpanel: FakeMixpanel,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, gdpr_token="")
    visitor = visitor_client()
    visitor.send("hello")
    deliver_analytics(mixpanel_app)
    res = chinwag_client.delete(
        f"/api/v1/visitors/{visitor.visitor_id}", headers=_auth(admin_token)
    )
    assert res.status_code == 200
    assert res.get_json()["failed_plugins"] == [PLUGIN]
    run_jobs(mixpanel_app)
    assert fake_mixpanel.deletions == []
    # a visitor none of whose events went out needs no request, token or not
    quiet = visitor_client()
    res = chinwag_client.delete(f"/api/v1/visitors/{quiet.visitor_id}", headers=_auth(admin_token))
    deliver_analytics(mixpanel_app)
    assert res.get_json()["failed_plugins"] == []


def test_the_secrets_are_never_shown_back(
    mixpanel_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    res = chinwag_client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(admin_token))
    assert res.status_code == 200
    body = repr(res.get_json())
    assert "sec-456" not in body and "gdpr-789" not in body
    assert "tok-123" in body  # the project token is public (it is in every browser's events)
