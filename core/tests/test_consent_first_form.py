"""The widget's first form grants only the purposes the visitor ticked (docs/privacy.md,
"Consent"): ``consent_purposes`` with ``consent_version`` on ``POST /api/v1/widget/session``;
each purpose the site asks for gets a record (an unticked one a withdrawal, so the visitor's
``consent_version`` does not cover it), a required purpose left unticked or one the site does
not ask for is refused before any visitor exists, and a client that sends no list (one box)
grants all, as before. Every purpose asked is required but those the site lets the visitor
leave unticked (``consent_optional_purposes``, none by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.filterwarnings("ignore")

ASKED = ["analytics", "marketing_email", "personalisation"]
ORIGIN = {"Origin": "https://shop.example"}


def _start(client: Any, site: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        "/api/v1/widget/session", json={"site_key": site["site_key"], **extra}, headers=ORIGIN
    )


def _state(app: Any, visitor_id: int) -> tuple[list[tuple[str, bool]], dict[str, bool]]:
    from chinwag import consent

    with app.app_context():
        records = [(r["purpose"], r["granted"]) for r in consent.history(visitor_id)]
        held = {p: consent.has_consent(visitor_id, p) for p in consent.PURPOSES}
    return records, held


def _visitors(app: Any) -> int:
    from sqlalchemy import func, select

    from chinwag.extensions import db
    from chinwag.models import Visitor

    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(Visitor)).scalar_one())


def test_only_the_ticked_purposes_are_granted(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    site_settings: Callable[..., dict[str, Any]],
) -> None:
    site_settings(
        consent_required=True,
        consent_version="2026-12",
        consent_purposes=ASKED,
        consent_optional_purposes=["marketing_email", "personalisation"],
    )
    res = _start(
        chinwag_client,
        demo_site,
        consent_version="2026-12",
        consent_purposes=["personalisation", "analytics"],
    )
    assert res.status_code == 200, res.get_json()
    records, held = _state(chinwag_app, res.get_json()["visitor_id"])
    assert records == [("analytics", True), ("marketing_email", False), ("personalisation", True)]
    assert held == {
        "analytics": True,
        "follow_up_email": False,
        "marketing_email": False,  # unticked: withdrawn, whatever the visitor's consent_version
        "transcripts": False,
        "personalisation": True,
    }
    # the widget's feature says which box the form requires
    shown = chinwag_client.get(
        f"/api/v1/widget/settings/{demo_site['site_key']}", headers=ORIGIN
    ).get_json()
    tab = next(f for f in shown["features"]["features"] if f["type"] == "consent")
    assert [(p["id"], p["required"]) for p in tab["purposes"]] == [
        ("analytics", True),
        ("marketing_email", False),
        ("personalisation", False),
    ]


def test_a_required_purpose_left_unticked_or_one_not_asked_is_refused_before_any_visitor(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    site_settings: Callable[..., dict[str, Any]],
) -> None:
    site_settings(
        consent_required=True,
        consent_version="v1",
        consent_purposes=ASKED,
        consent_optional_purposes=["marketing_email"],
    )
    before = _visitors(chinwag_app)
    for ticked, code in (
        (["analytics"], "consent_purpose_required"),
        ([], "consent_purpose_required"),
        (["analytics", "personalisation", "transcripts"], "purpose_not_asked"),
        (["analytics", "analytics", "personalisation"], "validation_error"),
        (["advertising"], "validation_error"),
        ("analytics", "validation_error"),
    ):
        res = _start(chinwag_client, demo_site, consent_version="v1", consent_purposes=ticked)
        assert res.status_code == 400, (ticked, res.get_json())
        assert res.get_json()["error"]["code"] == code, (ticked, res.get_json())
    assert _visitors(chinwag_app) == before


def test_without_a_list_every_asked_purpose_is_granted_and_none_is_optional_by_default(
    chinwag_app: Any,
    chinwag_client: Any,
    demo_site: dict[str, Any],
    site_settings: Callable[..., dict[str, Any]],
) -> None:
    site_settings(consent_required=True, consent_version="v2", consent_purposes=ASKED)
    old = _start(chinwag_client, demo_site, consent_version="v2")  # a widget with one box
    assert old.status_code == 200, old.get_json()
    records, _ = _state(chinwag_app, old.get_json()["visitor_id"])
    assert records == [(p, True) for p in ASKED]
    # nothing optional: all the site asks for are required (as one box granted them all)
    partial = _start(
        chinwag_client, demo_site, consent_version="v2", consent_purposes=["analytics"]
    )
    assert partial.status_code == 400
    assert partial.get_json()["error"]["code"] == "consent_purpose_required"
    # all optional: a visitor may start a chat granting nothing, and is recorded so
    site_settings(consent_optional_purposes=ASKED)
    none = _start(chinwag_client, demo_site, consent_version="v2", consent_purposes=[])
    assert none.status_code == 200, none.get_json()
    records, held = _state(chinwag_app, none.get_json()["visitor_id"])
    assert records == [(p, False) for p in ASKED]
    assert not any(held.values())


def test_the_required_setting_is_validated_and_described_in_the_document(
    chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    from chinwag.consent import CATALOGUE

    url = f"/api/v1/sites/{demo_site['id']}"
    for bad in (["advertising"], ["analytics", "analytics"], "analytics"):
        res = chinwag_client.patch(
            url,
            json={"widget_settings": {"consent_optional_purposes": bad}},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert res.status_code == 400, (bad, res.get_json())
        assert res.get_json()["error"]["code"] == "validation_error"
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["WidgetSettings"]["properties"]
    for name in ("consent_purposes", "consent_optional_purposes"):
        items = props[name]["items"]
        assert items["enum"] == [p.id for p in CATALOGUE]
        assert items["x-enum-descriptions"] == {p.id: p.covers for p in CATALOGUE}
