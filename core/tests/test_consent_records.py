"""Consent records (docs/privacy.md): an append-only history per purpose, granted at the widget's
session start, withdrawn or granted again on ``consent.update`` or over REST; the newest record
decides, at once, also for analytics events already queued; export lists the records, erasure
removes them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from chinwag.testing import VisitorClient, deliver_analytics

pytestmark = pytest.mark.filterwarnings("ignore")


def _require_consent(app: Any, site_id: int, version: str = "v1") -> None:
    from chinwag.extensions import db
    from chinwag.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        site.widget_settings = {
            **(site.widget_settings or {}),
            "consent_required": True,
            "consent_version": version,
        }
        db.session.commit()


def _has(app: Any, visitor_id: int, purpose: str = "analytics") -> bool:
    from chinwag import consent

    with app.app_context():
        return consent.has_consent(visitor_id, purpose)


def _sent(analytics: Any, visitor_id: int, expected: int | None = None) -> int:
    """How many ``message.sent`` events of the visitor reached the sink; with ``expected``,
    waits up to 10 s for that many first (delivery runs after the ack, off the request)."""
    deadline = time.monotonic() + 10
    while True:
        count = len([e for e in analytics.of("message.sent") if e.visitor_id == visitor_id])
        if expected is None or count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_withdrawal_in_the_widget_stops_third_party_analytics_at_once(
    chinwag_app: Any,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
    analytics: Any,
) -> None:
    _require_consent(chinwag_app, demo_site["id"])
    visitor = visitor_client(consent_version="v1")
    assert _has(chinwag_app, visitor.visitor_id)
    visitor.send("before")
    assert _sent(analytics, visitor.visitor_id, expected=1) == 1
    # collected into the outbox while consent held, not yet delivered when it is withdrawn
    visitor.send("queued")
    chinwag_app.extensions["chinwag"].bus.wait_idle()
    ack = visitor.emit("consent.update", {"purposes": {"analytics": False}})
    assert ack["ok"], ack
    assert ack["consent"] == {"required": True, "version": "v1", "purposes": {"analytics": False}}
    assert not _has(chinwag_app, visitor.visitor_id)
    visitor.send("after")
    deliver_analytics(chinwag_app)
    assert _sent(analytics, visitor.visitor_id) == 1
    # granted again: events flow again
    assert visitor.emit("consent.update", {"purposes": {"analytics": True}})["ok"]
    visitor.send("again")
    assert _sent(analytics, visitor.visitor_id, expected=2) == 2
    # no purposes: read only
    read = visitor.emit("consent.update", {})
    assert read["ok"] and read["consent"]["purposes"] == {"analytics": True}
    from chinwag import consent

    with chinwag_app.app_context():
        history = consent.history(visitor.visitor_id)
    assert [(r["granted"], r["source"], r["version"]) for r in history] == [
        (True, "widget", "v1"),
        (False, "widget", "v1"),
        (True, "widget", "v1"),
    ]


def test_consent_update_is_validated(visitor_client: Callable[..., VisitorClient]) -> None:
    visitor = visitor_client()
    for bad in (
        {"purposes": {"advertising": True}},
        {"purposes": {"analytics": "no"}},
        {"purposes": {"analytics": 0}},
        {"purposes": ["analytics"]},
        {"purposes": {}, "extra": 1},
    ):
        ack = visitor.emit("consent.update", bad)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", (bad, ack)
        assert ack["error"]["message"]


def test_a_new_consent_text_needs_a_new_grant_and_old_visitors_still_count(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_client: Callable[..., VisitorClient]
) -> None:
    from chinwag.extensions import db
    from chinwag.models import Visitor

    _require_consent(chinwag_app, demo_site["id"])
    silent = visitor_client()
    assert not _has(chinwag_app, silent.visitor_id)
    assert not _has(chinwag_app, silent.visitor_id, "advertising")
    # a visitor who consented before the history existed: only the columns say so
    legacy = visitor_client(consent_version="v1")
    from chinwag.consent import erase

    with chinwag_app.app_context():
        erase(legacy.visitor_id)
        db.session.commit()
        assert db.session.get(Visitor, legacy.visitor_id).consent_version == "v1"
    assert _has(chinwag_app, legacy.visitor_id)
    granted = visitor_client(consent_version="v1")
    _require_consent(chinwag_app, demo_site["id"], "v2")
    assert not _has(chinwag_app, granted.visitor_id)
    assert not _has(chinwag_app, legacy.visitor_id)
    ack = granted.emit("consent.update", {"purposes": {"analytics": True}})
    assert ack["consent"] == {"required": True, "version": "v2", "purposes": {"analytics": True}}
    assert _has(chinwag_app, granted.visitor_id)


def test_admins_read_and_record_consent_over_rest_audited(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    _require_consent(chinwag_app, demo_site["id"])
    visitor = visitor_client(consent_version="v1")
    auth = {"Authorization": f"Bearer {admin_token}"}
    url = f"/api/v1/visitors/{visitor.visitor_id}/consent"
    shown = chinwag_client.get(url, headers=auth)
    assert shown.status_code == 200
    assert shown.get_json()["consent"]["purposes"] == {"analytics": True}
    res = chinwag_client.post(url, json={"purposes": {"analytics": False}}, headers=auth)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["consent"]["purposes"] == {"analytics": False}
    assert [(r["granted"], r["source"]) for r in body["records"]] == [
        (True, "widget"),
        (False, "api"),
    ]
    assert not _has(chinwag_app, visitor.visitor_id)
    bad = chinwag_client.post(url, json={"purposes": {"tracking": True}}, headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    gone = chinwag_client.get("/api/v1/visitors/999999/consent", headers=auth)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"
    assert chinwag_client.get(url).status_code == 401
    log = chinwag_client.get("/api/v1/audit?action=visitor.consent", headers=auth).get_json()
    assert any(str(r["target_id"]) == str(visitor.visitor_id) for r in log["entries"]), log


def test_export_lists_the_records_and_erasure_removes_them(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    demo_site: dict[str, Any],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    from sqlalchemy import func, select

    from chinwag.consent import ConsentRecord
    from chinwag.extensions import db

    _require_consent(chinwag_app, demo_site["id"])
    visitor = visitor_client(consent_version="v1")
    other = visitor_client(consent_version="v1")
    visitor.emit("consent.update", {"purposes": {"analytics": False}})
    auth = {"Authorization": f"Bearer {admin_token}"}
    data = chinwag_client.get(
        f"/api/v1/visitors/{visitor.visitor_id}/export", headers=auth
    ).get_json()
    assert [r["granted"] for r in data["consent"]["records"]] == [True, False]
    assert all(r["purpose"] == "analytics" and r["at"] for r in data["consent"]["records"])
    res = chinwag_client.delete(f"/api/v1/visitors/{visitor.visitor_id}", headers=auth)
    assert res.status_code in (200, 204), res.get_data(as_text=True)

    def count(visitor_id: int) -> int:
        with chinwag_app.app_context():
            return int(
                db.session.execute(
                    select(func.count())
                    .select_from(ConsentRecord)
                    .where(ConsentRecord.visitor_id == visitor_id)
                ).scalar_one()
            )

    assert count(visitor.visitor_id) == 0
    assert count(other.visitor_id) == 1
