"""Canned responses per team (issue 15): an agent lists those of every agent plus those of their
own teams, never another team's; an unknown team is refused; deleting a team deletes its
responses. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from chinwag.testing import create_user, login

PASSWORD = "correct horse battery"
URL = "/api/v1/canned-responses"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_two_agents_on_different_teams_see_different_canned_responses(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    c, admin = chinwag_client, bearer(admin_token)
    site = demo_site["id"]
    ids = {}
    for email in ("billing@example.com", "tech@example.com"):
        ids[email] = create_user(chinwag_app, email, PASSWORD, "agent")
    billing = c.post(
        "/api/v1/teams",
        json={"name": "Billing", "site_ids": [site], "user_ids": [ids["billing@example.com"]]},
        headers=admin,
    )
    assert billing.status_code == 201, billing.get_json()
    tech = c.post(
        "/api/v1/teams",
        json={"name": "Tech", "site_ids": [site], "user_ids": [ids["tech@example.com"]]},
        headers=admin,
    )
    assert tech.status_code == 201, tech.get_json()
    billing_id, tech_id = billing.get_json()["id"], tech.get_json()["id"]

    def add(shortcut: str, **extra: Any) -> dict[str, Any]:
        res = c.post(
            URL, json={"shortcut": shortcut, "title": shortcut, "text": "x", **extra}, headers=admin
        )
        assert res.status_code == 201, res.get_json()
        return dict(res.get_json())

    hello = add("hello")
    refund = add("refund", site_id=site, team_id=billing_id)
    assert refund["team_id"] == billing_id and hello["team_id"] is None
    add("reboot", team_id=tech_id)

    def shortcuts(token: dict[str, str], **query: Any) -> list[str]:
        res = c.get(URL, query_string=query, headers=token)
        assert res.status_code == 200, res.get_json()
        return [r["shortcut"] for r in res.get_json()]

    as_billing = bearer(login(c, "billing@example.com", PASSWORD))
    as_tech = bearer(login(c, "tech@example.com", PASSWORD))
    assert shortcuts(as_billing, site_id=site) == ["hello", "refund"]
    assert shortcuts(as_tech, site_id=site) == ["hello", "reboot"]
    assert shortcuts(as_tech) == ["hello", "reboot"]
    assert shortcuts(admin, site_id=site) == ["hello", "reboot", "refund"]

    # an unknown team is refused on create and on update, with the field named
    for res in (
        c.post(
            URL,
            json={"shortcut": "nope", "title": "n", "text": "n", "team_id": 99999},
            headers=admin,
        ),
        c.patch(f"{URL}/{hello['id']}", json={"team_id": 99999}, headers=admin),
    ):
        assert res.status_code == 409, res.get_json()
        error = res.get_json()["error"]
        assert error["code"] == "unknown_team" and "team_id" in error["details"]
    bad = c.post(
        URL, json={"shortcut": "n", "title": "n", "text": "n", "team_id": "billing"}, headers=admin
    )
    assert bad.status_code == 400 and "team_id" in bad.get_json()["error"]["details"]

    # moving a response to another team moves who sees it; null gives it to every agent
    moved = c.patch(f"{URL}/{refund['id']}", json={"team_id": tech_id}, headers=admin)
    assert moved.status_code == 200 and moved.get_json()["team_id"] == tech_id
    assert shortcuts(as_billing, site_id=site) == ["hello"]
    assert shortcuts(as_tech, site_id=site) == ["hello", "reboot", "refund"]
    c.patch(f"{URL}/{refund['id']}", json={"team_id": None}, headers=admin)
    assert shortcuts(as_billing, site_id=site) == ["hello", "refund"]

    # the team's responses go with the team, never shown to everyone instead
    assert c.delete(f"/api/v1/teams/{tech_id}", headers=admin).status_code == 204
    assert shortcuts(admin) == ["hello", "refund"]
    assert shortcuts(as_billing) == ["hello", "refund"]
