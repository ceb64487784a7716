"""Consent purposes (docs/privacy.md, "Consent"): a catalogue of purposes as data, each site
chooses which it asks for (``consent_purposes``), every grant and withdrawal is recorded per
purpose with the consent text's version and the time, the visitor's export lists them and their
erasure removes them. A purpose the site does not ask for is never granted, and a feature that
needs it does not run."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from chinwag.testing import VisitorClient

pytestmark = pytest.mark.filterwarnings("ignore")

ASKED = ["analytics", "marketing_email", "personalisation"]


def _has(app: Any, visitor_id: int, purpose: str) -> bool:
    from chinwag import consent

    with app.app_context():
        return consent.has_consent(visitor_id, purpose)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_catalogue_is_data_every_widget_language_labels(chinwag_app: Any) -> None:
    from chinwag.consent import CATALOGUE, PURPOSES

    assert PURPOSES == (
        "analytics",
        "follow_up_email",
        "marketing_email",
        "transcripts",
        "personalisation",
    )
    folder = resources.files("chinwag").joinpath("widget_locales")
    tables = [json.loads(f.read_text(encoding="utf-8")) for f in folder.iterdir()]
    assert len(tables) >= 10
    for purpose in CATALOGUE:
        assert purpose.covers
        assert all(table.get(purpose.label) for table in tables), purpose.label


def test_a_site_chooses_its_purposes_validated(
    chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    url = f"/api/v1/sites/{demo_site['id']}"
    for bad in (
        ["advertising"],  # not in the catalogue
        ["analytics", "analytics"],
        [],
        "analytics",
        [1],
    ):
        res = chinwag_client.patch(
            url, json={"widget_settings": {"consent_purposes": bad}}, headers=_auth(admin_token)
        )
        assert res.status_code == 400, (bad, res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error"
    res = chinwag_client.patch(
        url,
        json={"widget_settings": {"consent_required": True, "consent_purposes": ASKED}},
        headers=_auth(admin_token),
    )
    assert res.status_code == 200, res.get_json()
    shown = chinwag_client.get(
        f"/api/v1/widget/settings/{demo_site['site_key']}",
        headers={"Origin": "https://shop.example"},
    ).get_json()
    assert shown["settings"]["consent_purposes"] == ASKED
    tab = next(f for f in shown["features"]["features"] if f["type"] == "consent")
    assert tab["purposes"] == [
        {"id": "analytics", "label": "consentAnalytics", "required": True},
        {"id": "marketing_email", "label": "consentMarketingEmail", "required": True},
        {"id": "personalisation", "label": "consentPersonalisation", "required": True},
    ]


def test_each_purpose_is_granted_withdrawn_and_recorded_on_its_own(
    chinwag_app: Any,
    site_settings: Callable[..., dict[str, Any]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    from chinwag import consent

    site_settings(consent_required=True, consent_version="2026-12", consent_purposes=ASKED)
    silent = visitor_client()
    assert not any(_has(chinwag_app, silent.visitor_id, p) for p in consent.PURPOSES)
    visitor = visitor_client(consent_version="2026-12")  # the first form: what the site asks
    assert [_has(chinwag_app, visitor.visitor_id, p) for p in consent.PURPOSES] == [
        True,  # analytics
        False,  # follow_up_email: not asked by this site
        True,  # marketing_email
        False,  # transcripts: not asked
        True,  # personalisation
    ]
    ack = visitor.emit("consent.update", {"purposes": {"marketing_email": False}})
    assert ack["ok"], ack
    assert ack["consent"] == {
        "required": True,
        "version": "2026-12",
        "purposes": {"analytics": True, "marketing_email": False, "personalisation": True},
    }
    assert not _has(chinwag_app, visitor.visitor_id, "marketing_email")
    assert _has(chinwag_app, visitor.visitor_id, "analytics")
    # a purpose this site never showed the visitor cannot be granted
    refused = visitor.emit("consent.update", {"purposes": {"transcripts": True}})
    assert refused["ok"] is False and refused["error"]["code"] == "purpose_not_asked", refused
    assert not _has(chinwag_app, visitor.visitor_id, "transcripts")
    with chinwag_app.app_context():
        history = consent.history(visitor.visitor_id)
    assert [(r["purpose"], r["granted"], r["version"]) for r in history] == [
        ("analytics", True, "2026-12"),
        ("marketing_email", True, "2026-12"),
        ("personalisation", True, "2026-12"),
        ("marketing_email", False, "2026-12"),
    ]
    assert all(r["at"] and r["source"] == "widget" for r in history)
    # a new consent text: no earlier grant counts, for any purpose
    site_settings(consent_version="2027-01")
    assert not any(_has(chinwag_app, visitor.visitor_id, p) for p in ASKED)
    # the site stops asking for a purpose: nobody has it any more
    site_settings(consent_version="2026-12", consent_purposes=["marketing_email"])
    assert not _has(chinwag_app, visitor.visitor_id, "analytics")
    # a site that does not require consent needs none, for any purpose
    site_settings(consent_required=False)
    assert all(_has(chinwag_app, silent.visitor_id, p) for p in consent.PURPOSES)
    assert not _has(chinwag_app, silent.visitor_id, "advertising")  # unknown: never


def test_visitors_who_consented_before_purposes_existed_keep_analytics_only(
    chinwag_app: Any,
    site_settings: Callable[..., dict[str, Any]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    """Only the legacy columns say they consented: that was a consent to analytics."""
    from chinwag.consent import erase
    from chinwag.extensions import db

    site_settings(consent_required=True, consent_version="v1", consent_purposes=ASKED)
    legacy = visitor_client(consent_version="v1")
    with chinwag_app.app_context():
        erase(legacy.visitor_id)  # the records: as before the history existed
        db.session.commit()
    assert _has(chinwag_app, legacy.visitor_id, "analytics")
    assert not _has(chinwag_app, legacy.visitor_id, "marketing_email")
    assert not _has(chinwag_app, legacy.visitor_id, "personalisation")


def test_admins_record_purposes_over_rest_exported_and_erased(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    site_settings: Callable[..., dict[str, Any]],
    visitor_client: Callable[..., VisitorClient],
) -> None:
    from chinwag import consent

    site_settings(consent_required=True, consent_version="v3", consent_purposes=ASKED)
    visitor = visitor_client()
    other = visitor_client(consent_version="v3")
    url = f"/api/v1/visitors/{visitor.visitor_id}/consent"
    res = chinwag_client.post(
        url,
        json={"purposes": {"marketing_email": True, "personalisation": False}},
        headers=_auth(admin_token),
    )
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["consent"]["purposes"] == {
        "analytics": False,
        "marketing_email": True,
        "personalisation": False,
    }
    assert [(r["purpose"], r["granted"], r["source"], r["version"]) for r in body["records"]] == [
        ("marketing_email", True, "api", "v3"),
        ("personalisation", False, "api", "v3"),
    ]
    not_asked = chinwag_client.post(
        url, json={"purposes": {"follow_up_email": True}}, headers=_auth(admin_token)
    )
    assert not_asked.status_code == 400
    assert not_asked.get_json()["error"]["code"] == "purpose_not_asked"
    unknown = chinwag_client.post(
        url, json={"purposes": {"newsletter": True}}, headers=_auth(admin_token)
    )
    assert unknown.status_code == 400
    assert unknown.get_json()["error"]["code"] == "validation_error"
    # the export: every record, with purpose, version and time
    export = chinwag_client.get(
        f"/api/v1/visitors/{visitor.visitor_id}/export", headers=_auth(admin_token)
    ).get_json()
    assert [(r["purpose"], r["granted"], r["version"]) for r in export["consent"]["records"]] == [
        ("marketing_email", True, "v3"),
        ("personalisation", False, "v3"),
    ]
    assert all(r["at"] for r in export["consent"]["records"])
    # erased with the visitor, every purpose; the other visitor's records stay
    gone = chinwag_client.delete(
        f"/api/v1/visitors/{visitor.visitor_id}", headers=_auth(admin_token)
    )
    assert gone.status_code in (200, 204), gone.get_data(as_text=True)

    with chinwag_app.app_context():
        assert consent.history(visitor.visitor_id) == []
        assert len(consent.history(other.visitor_id)) == len(ASKED)
