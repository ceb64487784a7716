"""chinwag-ga4's erasures against a local, validating User Deletion API (``ga4_admin_fake``): an
erased visitor's client id (the one the sink sent) is submitted for deletion on the job queue,
retried while the API fails, a failure shows in the plugin's health, nothing is asked (and the
erasure names the plugin) without a property id and token, and the token is never shown back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from ga4_admin_fake import FakeGA4Admin
from ga4_fake import FakeGA4
from marshmallow import ValidationError
from sqlalchemy import text

from chinwag.testing import (
    VisitorClient,
    app_session,
    configure_plugin,
    deliver_analytics,
    exported_service,
    run_jobs,
)

PLUGIN = "chinwag-ga4"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _health(client: Any, token: str) -> dict[str, Any]:
    res = client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(token))
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json()["health"])


def _erase(client: Any, token: str, visitor_id: int) -> dict[str, Any]:
    res = client.delete(f"/api/v1/visitors/{visitor_id}", headers=_auth(token))
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json())


def test_erasing_a_visitor_asks_ga4_to_delete_the_client_id_it_was_sent(
    ga4_erasing_app: Any,
    fake_ga4: FakeGA4,
    fake_ga4_admin: FakeGA4Admin,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    visitor = visitor_client()
    visitor.send("please forget me")
    other = visitor_client()
    other.send("keep me")
    deliver_analytics(ga4_erasing_app)
    sent = {body["client_id"] for body in fake_ga4.bodies}
    exported = exported_service(
        chinwag_client, admin_token, visitor.visitor_id, "Google Analytics 4"
    )
    mine = exported["client_id"]
    assert mine in sent and len(sent) == 2
    assert exported == {
        "service": "Google Analytics 4",
        "client_id": mine,
        "kept_in_chinwag": False,
    }

    assert _erase(chinwag_client, admin_token, visitor.visitor_id)["failed_plugins"] == []
    assert fake_ga4_admin.deletions == []  # queued, not sent within the request
    run_jobs(ga4_erasing_app)
    assert fake_ga4_admin.errors == []
    assert fake_ga4_admin.deletions == [{"clientId": mine}]
    health = _health(chinwag_client, admin_token)
    assert health["counters"]["deletions_requested"] == 1
    assert health["jobs"]["failed"] == 0 and health["jobs"]["last_error"] is None


def test_a_failing_deletion_is_retried_and_shows_in_the_plugins_health(
    ga4_erasing_app: Any,
    fake_ga4_admin: FakeGA4Admin,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    fake_ga4_admin.fail_next = 2  # Google unavailable twice, then back
    first = visitor_client()
    _erase(chinwag_client, admin_token, first.visitor_id)
    run_jobs(ga4_erasing_app)
    assert len(fake_ga4_admin.deletions) == 1
    health = _health(chinwag_client, admin_token)
    assert health["jobs"]["retried"] == 2 and health["jobs"]["failed"] == 0

    configure_plugin(ga4_erasing_app, PLUGIN, deletion_token="ya29.expired")
    second = visitor_client()
    _erase(chinwag_client, admin_token, second.visitor_id)
    run_jobs(ga4_erasing_app)
    assert len(fake_ga4_admin.deletions) == 1
    assert fake_ga4_admin.errors and fake_ga4_admin.errors[0].startswith("401")
    jobs = _health(chinwag_client, admin_token)["jobs"]
    assert jobs["failed"] == 1
    assert "401" in jobs["last_error"] and "ya29.expired" not in jobs["last_error"]


def test_without_a_property_id_or_token_nothing_is_asked_and_health_says_so(
    ga4_erasing_app: Any,
    fake_ga4_admin: FakeGA4Admin,
    chinwag_client: Any,
    admin_token: str,
    visitor_client: Callable[..., VisitorClient],
) -> None:
    configure_plugin(ga4_erasing_app, PLUGIN, deletion_token="")
    visitor = visitor_client()
    assert _erase(chinwag_client, admin_token, visitor.visitor_id)["failed_plugins"] == [PLUGIN]
    configure_plugin(ga4_erasing_app, PLUGIN, deletion_token="t", property_id="")
    another = visitor_client()
    assert _erase(chinwag_client, admin_token, another.visitor_id)["failed_plugins"] == [PLUGIN]
    run_jobs(ga4_erasing_app)
    assert fake_ga4_admin.http is not None and fake_ga4_admin.http.requests == []
    assert _health(chinwag_client, admin_token)["counters"]["deletions_not_configured"] == 2

    # a plugin never set up to send (no measurement id) has nothing in GA4 to delete
    configure_plugin(ga4_erasing_app, PLUGIN, measurement_id="")
    quiet = visitor_client()
    assert _erase(chinwag_client, admin_token, quiet.visitor_id)["failed_plugins"] == []


def test_the_deletion_settings_are_validated_and_the_token_never_shown_back(
    ga4_erasing_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    body = repr(
        chinwag_client.get(f"/api/v1/plugins/{PLUGIN}", headers=_auth(admin_token)).get_json()
    )
    assert "ya29.test-token" not in body and "123456789" in body
    with app_session(ga4_erasing_app) as session:  # stored encrypted, like every plugin secret
        stored = session.execute(
            text("SELECT settings FROM plugin_states WHERE name = :name"), {"name": PLUGIN}
        ).scalar_one()
    assert "ya29.test-token" not in repr(stored) and "123456789" in repr(stored)
    res = chinwag_client.patch(
        f"/api/v1/plugins/{PLUGIN}",
        json={"settings": {"property_id": "properties/123"}},
        headers=_auth(admin_token),
    )
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["code"] == "validation_error"
    with pytest.raises(ValidationError):
        configure_plugin(ga4_erasing_app, PLUGIN, property_id="G-TEST1234")
    with pytest.raises(ValidationError):
        configure_plugin(ga4_erasing_app, PLUGIN, admin_api_url="ftp://example.com")


def test_the_fake_refuses_what_the_user_deletion_api_refuses(
    fake_ga4_admin: FakeGA4Admin,
) -> None:
    """The local server refuses what Google refuses (so the tests above can trust its silence)."""
    url = f"{fake_ga4_admin.url}/v1alpha/properties/{fake_ga4_admin.property_id}:submitUserDeletion"
    good = {"Authorization": f"Bearer {fake_ga4_admin.token}"}
    cases = [
        (requests.post(url, json={"clientId": "c"}, headers=good), 200),
        (requests.post(url, json={"clientId": "c", "userId": "u"}, headers=good), 400),
        (requests.post(url, json={}, headers=good), 400),
        (requests.post(url, json={"clientId": ""}, headers=good), 400),
        (requests.post(url, json={"clientId": "c"}), 401),
        (requests.post(url.replace("123456789", "42"), json={"clientId": "c"}, headers=good), 403),
        (requests.get(url, headers=good), 404),
    ]
    assert [res.status_code for res, _ in cases] == [code for _, code in cases]
    assert fake_ga4_admin.deletions == [{"clientId": "c"}]
