"""What schemathesis found against the OpenAPI document (issue 21), each pinned by a plain test so
it stays fixed whatever the fuzzer's time budget reaches: a disabled plugin's route still asks a
stranger to sign in, plugin settings take only the JSON types the document states, ids in a
body that name nothing answer 409, and a dict with a closed set of keys names them."""

from __future__ import annotations

from typing import Any

import pytest

from chinwag.consent_catalogue import PURPOSES
from chinwag.testing import enable_plugin

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_disabled_plugins_route_asks_a_stranger_to_sign_in_first(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    enable_plugin(chinwag_app, "chinwag-ga4", False)
    stranger = chinwag_client.post("/api/v1/ga4/check")
    assert stranger.status_code == 401, stranger.get_json()
    assert stranger.get_json()["error"]["code"] == "unauthorized"
    admin = chinwag_client.post(
        "/api/v1/ga4/check", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert admin.status_code == 404
    assert admin.get_json()["error"]["code"] == "plugin_disabled"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"suggest_while_typing": 0}, "suggest_while_typing"),  # a boolean, not 0
        ({"suggest_while_typing": "true"}, "suggest_while_typing"),
        ({"suggest_min_score": "0.5"}, "suggest_min_score"),  # a number, not a string
        ({"suggest_min_score": True}, "suggest_min_score"),
    ],
)
def test_plugin_settings_take_only_the_documented_json_types(
    chinwag_client: Any, admin_token: str, settings: dict[str, Any], field: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    before = chinwag_client.get("/api/v1/plugins/chinwag-kb", headers=auth).get_json()
    res = chinwag_client.patch(
        "/api/v1/plugins/chinwag-kb", json={"settings": settings}, headers=auth
    )
    assert res.status_code == 400, res.get_json()
    error = res.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in str(error["details"])
    after = chinwag_client.get("/api/v1/plugins/chinwag-kb", headers=auth).get_json()
    assert after["settings"] == before["settings"]  # nothing stored
    ok = chinwag_client.patch(
        "/api/v1/plugins/chinwag-kb",
        json={"settings": {"suggest_while_typing": False, "suggest_min_score": 0.5}},
        headers=auth,
    )
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["settings"]["suggest_while_typing"] is False


def test_nested_plugin_settings_are_typed_too(chinwag_client: Any, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.patch(
        "/api/v1/plugins/chinwag-a11y",
        json={"settings": {"sites": {"1": {"require_alt_text": "yes"}}}},
        headers=auth,
    )
    assert res.status_code == 400, res.get_json()
    assert "require_alt_text" in str(res.get_json()["error"]["details"])


def test_ids_in_a_body_that_name_nothing_answer_409(chinwag_client: Any, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.post(
        "/api/v1/teams", json={"name": "Billing", "user_ids": [2147483646]}, headers=auth
    )
    assert res.status_code == 409
    assert res.get_json()["error"] == {
        "code": "unknown_user",
        "message": "No such user: 2147483646.",
    }
    team = chinwag_client.post("/api/v1/teams", json={"name": "Billing"}, headers=auth)
    assert team.status_code == 201, team.get_json()
    sites = chinwag_client.put(
        f"/api/v1/teams/{team.get_json()['id']}/sites", json={"site_ids": [99999]}, headers=auth
    )
    assert sites.status_code == 409
    assert sites.get_json()["error"]["code"] == "unknown_site"


def test_consent_purposes_are_a_closed_set_in_the_document(chinwag_client: Any) -> None:
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    purposes = spec["components"]["schemas"]["ConsentUpdateIn"]["properties"]["purposes"]
    assert purposes["additionalProperties"] is False
    # the catalogue's purposes (chinwag.consent_catalogue), each a boolean, nothing else
    assert purposes["properties"] == {p: {"type": "boolean"} for p in PURPOSES}


def test_renaming_a_team_to_a_taken_name_is_a_409_whatever_else_the_body_holds(
    chinwag_client: Any, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    assert chinwag_client.post("/api/v1/teams", json={"name": "0"}, headers=auth).status_code == 201
    other = chinwag_client.post("/api/v1/teams", json={"name": "x"}, headers=auth).get_json()
    res = chinwag_client.patch(
        f"/api/v1/teams/{other['id']}",
        json={"name": "0", "site_ids": [], "user_ids": [2147483646]},
        headers=auth,
    )
    assert res.status_code == 409, res.get_json()
    assert res.get_json()["error"] == {
        "code": "team_exists",
        "message": "A team named '0' exists already.",
    }
    kept = chinwag_client.get(f"/api/v1/teams/{other['id']}", headers=auth).get_json()
    assert kept["name"] == "x"


HUGE = "10334484674254596096"  # 20 digits: beyond the database's integers


@pytest.mark.parametrize(
    ("plugin", "url", "field"),
    [
        (None, f"/api/v1/audit?before_id={HUGE}", "before_id"),
        ("chinwag-kb", f"/api/v1/kb/articles?site_id={HUGE}", "site_id"),
        (
            "chinwag-suggest",
            f"/api/v1/plugins/chinwag-suggest/suggestions?site_id={HUGE}",
            "site_id",
        ),
        ("chinwag-feedback", f"/api/v1/feedback?cursor={HUGE}", "cursor"),
    ],
)
def test_ids_beyond_the_database_integers_are_a_400(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    plugin: str | None,
    url: str,
    field: str,
) -> None:
    """Found by the OpenAPI fuzzer's stateful phase (a 20-digit cursor was a 500): every id a
    query takes is bounded like the core's."""
    if plugin:
        enable_plugin(chinwag_app, plugin)
    res = chinwag_client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["code"] == "validation_error"
    assert field in res.get_json()["error"]["details"]
