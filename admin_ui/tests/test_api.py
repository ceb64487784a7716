"""The core REST endpoints the admin is built on: users, audit, cookie sessions, admin pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chinwag_plugin_api import AdminPage, PluginInfo

from chinwag.testing import app_session, create_user, dispose, login, make_app, migrate

PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def agent_token(chinwag_app: Any, chinwag_client: Any, admin_token: str) -> str:
    create_user(chinwag_app, "agent@example.com", PASSWORD, "agent")
    return login(chinwag_client, "agent@example.com", PASSWORD)


def test_users_create_change_role_and_disable_revokes_tokens(
    chinwag_client: Any, admin_token: str
) -> None:
    c, h = chinwag_client, bearer(admin_token)
    res = c.post(
        "/api/v1/users",
        json={
            "email": "Ann@Example.com",
            "name": "Ann",
            "role": "agent",
            "password": "ann's password",
        },
        headers=h,
    )
    assert res.status_code == 201, res.get_json()
    ann = res.get_json()
    assert ann["email"] == "ann@example.com" and ann["invite_url"] is None
    assert "password" not in ann and "password_hash" not in ann
    dup = c.post("/api/v1/users", json={"email": "ann@example.com"}, headers=h)
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "user_exists"

    ann_token = login(c, "ann@example.com", "ann's password")
    assert c.get("/api/v1/auth/me", headers=bearer(ann_token)).status_code == 200
    assert c.get("/api/v1/users", headers=bearer(ann_token)).status_code == 403

    res = c.patch(f"/api/v1/users/{ann['id']}", json={"role": "admin"}, headers=h)
    assert res.get_json()["role"] == "admin"
    assert c.get("/api/v1/users", headers=bearer(ann_token)).status_code == 200

    res = c.patch(f"/api/v1/users/{ann['id']}", json={"disabled": True}, headers=h)
    assert res.status_code == 200 and res.get_json()["disabled"] is True
    refused = c.get("/api/v1/auth/me", headers=bearer(ann_token))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "token_revoked"
    bad = c.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": "ann's password"}
    )
    assert bad.status_code == 401

    me = c.get("/api/v1/auth/me", headers=h).get_json()
    res = c.patch(f"/api/v1/users/{me['id']}", json={"disabled": True}, headers=h)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "cannot_change_self"
    res = c.patch(f"/api/v1/users/{me['id']}", json={"surprise": 1}, headers=h)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "validation_error"


def test_invitation_link_sets_password_once(chinwag_client: Any, admin_token: str) -> None:
    c = chinwag_client
    res = c.post(
        "/api/v1/users",
        json={"email": "bo@example.com", "role": "agent"},
        headers=bearer(admin_token),
    )
    body = res.get_json()
    assert body["has_password"] is False and body["invite_url"].endswith(body["invite_token"])
    short = c.post(
        "/api/v1/auth/accept-invite", json={"token": body["invite_token"], "password": "x"}
    )
    assert short.status_code == 400
    ok = c.post(
        "/api/v1/auth/accept-invite",
        json={"token": body["invite_token"], "password": "bo's new password"},
    )
    assert ok.status_code == 200
    again = c.post(
        "/api/v1/auth/accept-invite",
        json={"token": body["invite_token"], "password": "someone else's"},
    )
    assert again.status_code == 401
    login(c, "bo@example.com", "bo's new password")
    # an invitation token is not an access token
    assert c.get("/api/v1/auth/me", headers=bearer(body["invite_token"])).status_code == 401


def test_agent_is_refused_every_admin_api(chinwag_client: Any, agent_token: str) -> None:
    h = bearer(agent_token)
    for method, path in [
        ("get", "/api/v1/users"),
        ("post", "/api/v1/users"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/sites"),
        ("get", "/api/v1/plugins"),
        ("patch", "/api/v1/plugins/chinwag-admin"),
        ("get", "/api/v1/sites/1/embed"),
    ]:
        res = getattr(chinwag_client, method)(path, json={} if method != "get" else None, headers=h)
        assert res.status_code == 403, (method, path, res.get_json())
        assert res.get_json()["error"]["code"] == "forbidden"
    assert chinwag_client.get("/api/v1/conversations", headers=h).status_code == 200


def test_agents_list_active_colleagues_without_emails(
    chinwag_client: Any, admin_token: str, agent_token: str
) -> None:
    c, h = chinwag_client, bearer(admin_token)
    gone = c.post(
        "/api/v1/users", json={"email": "gone@example.com", "name": "Gone"}, headers=h
    ).get_json()
    c.patch(f"/api/v1/users/{gone['id']}", json={"disabled": True}, headers=h)
    res = c.get("/api/v1/users/active", headers=bearer(agent_token))
    assert res.status_code == 200
    rows = res.get_json()
    everyone = c.get("/api/v1/users", headers=h).get_json()
    expected = {u["id"]: u["name"] or u["email"] for u in everyone if not u["disabled"]}
    assert {r["id"]: r["name"] for r in rows} == expected and gone["id"] not in expected
    assert all(set(r) == {"id", "name", "role"} for r in rows)  # no email, no state
    assert c.get("/api/v1/users/active").status_code == 401


def test_admin_confirms_an_email_and_it_is_audited(chinwag_client: Any, admin_token: str) -> None:
    c, h = chinwag_client, bearer(admin_token)
    vouched = c.post(
        "/api/v1/users",
        json={
            "email": "vouched@example.com",
            "password": "a long password",
            "email_confirmed": True,
        },
        headers=h,
    ).get_json()
    assert vouched["email_confirmed"] is True
    plain = c.post(
        "/api/v1/users",
        json={"email": "plain@example.com", "password": "a long password"},
        headers=h,
    ).get_json()
    assert plain["email_confirmed"] is False
    res = c.patch(f"/api/v1/users/{plain['id']}", json={"email_confirmed": True}, headers=h)
    assert res.status_code == 200 and res.get_json()["email_confirmed"] is True
    entries = c.get("/api/v1/audit?target_type=user", headers=h).get_json()["entries"]
    assert entries[0]["action"] == "user.confirm_email"
    assert entries[0]["target_id"] == str(plain["id"])
    assert entries[2]["details"]["email_confirmed"] is True  # the vouched creation
    bad = c.patch(f"/api/v1/users/{plain['id']}", json={"email_confirmed": "maybe"}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"


def test_nested_plugin_settings_are_described_as_json(
    chinwag_client: Any, admin_token: str
) -> None:
    rows = chinwag_client.get("/api/v1/plugins", headers=bearer(admin_token)).get_json()
    media = next(p for p in rows if p["name"] == "chinwag-media")
    described = {f["name"]: f for f in media["settings_schema"]}
    assert described["max_size_mb"]["type"] == "integer" and "shape" not in described["max_size_mb"]
    sites = described["sites"]
    assert (sites["type"], sites["shape"]) == ("json", "map")
    assert {f["name"]: f["type"] for f in sites["item_fields"]} == {
        "max_size_mb": "integer",
        "allowed_types": "list",
        "enabled": "boolean",
    }


def test_designer_checks_unsaved_widget_settings(
    chinwag_client: Any, admin_token: str, agent_token: str
) -> None:
    c, h = chinwag_client, bearer(admin_token)
    url = "/api/v1/widget-settings/check"
    low = c.post(url, json={"brand_color": "#fafafa"}, headers=h).get_json()
    assert low["contrast_ratio"] < 4.5 and low["text_on_brand"] == "#000000"
    # the findings are the enabled theme-check plugins' (chinwag-a11y is installed here);
    # ``warnings`` repeats their errors' messages
    assert low["warnings"] == [f["message"] for f in low["findings"] if f["severity"] == "error"]
    assert any("#fafafa" in w for w in low["warnings"])
    good = c.post(url, json={"brand_color": "#aa1100", "text_color": "#ffffff"}, headers=h)
    assert good.get_json()["text_on_brand"] == "#ffffff"
    assert good.get_json()["warnings"] == []
    assert good.get_json()["contrast_ratio"] >= 4.5
    bad = c.post(url, json={"corner_radius": 99, "brand_color": "red"}, headers=h).get_json()
    assert bad["error"]["code"] == "validation_error"
    assert set(bad["error"]["details"]) == {"corner_radius", "brand_color"}
    assert c.post(url, json={}, headers=bearer(agent_token)).status_code == 403


def test_audit_log_is_searchable_and_paged(chinwag_client: Any, admin_token: str) -> None:
    c, h = chinwag_client, bearer(admin_token)
    for i in range(3):
        c.post("/api/v1/sites", json={"name": f"Shop {i}", "allowed_origins": []}, headers=h)
    c.post("/api/v1/users", json={"email": "cy@example.com"}, headers=h)
    everything = c.get("/api/v1/audit", headers=h).get_json()["entries"]
    assert [e["action"] for e in everything[:4]] == ["user.create"] + ["site.create"] * 3
    assert everything[0]["actor"] == "admin@example.com"
    found = c.get("/api/v1/audit?q=shop 1", headers=h).get_json()["entries"]
    assert [e["details"]["name"] for e in found] == ["Shop 1"]
    assert c.get("/api/v1/audit?q=%25", headers=h).get_json()["entries"] == []  # % is literal
    page1 = c.get("/api/v1/audit?action=site.create&limit=2", headers=h).get_json()
    assert len(page1["entries"]) == 2 and page1["next_before_id"]
    page2 = c.get(
        f"/api/v1/audit?action=site.create&limit=2&before_id={page1['next_before_id']}", headers=h
    ).get_json()
    assert [e["details"]["name"] for e in page2["entries"]] == ["Shop 0"]
    assert page2["next_before_id"] is None
    assert c.get("/api/v1/audit?limit=9999", headers=h).status_code == 400


def test_audit_search_column_is_backfilled_by_the_migration(
    tmp_path: Any, database_url: str
) -> None:
    """Rows written before the search column existed are found after ``db upgrade``."""
    import sqlalchemy as sa

    app = make_app(tmp_path, database_url, revision="0002_opening_key")
    with app_session(app) as session:
        session.execute(
            sa.text(
                "INSERT INTO audit_log (actor, action, target_type, target_id, details, "
                "created_at) VALUES ('Ann@Example.com', 'site.update', 'site', '7', "
                '\'{"name": "Café Übel"}\', CURRENT_TIMESTAMP)'
            )
        )
        session.commit()
    migrate(app)
    with app_session(app) as session:
        text = session.execute(sa.text("SELECT search_text FROM audit_log")).scalar_one()
    dispose(app)
    assert "ann@example.com" in text and "site.update" in text and "café übel" in text


def _cookies(res: Any) -> dict[str, str]:
    return {v.split("=", 1)[0]: v for v in res.headers.getlist("Set-Cookie")}


def test_cookie_session_refresh_needs_csrf_header(chinwag_client: Any, admin_token: str) -> None:
    c = chinwag_client
    res = c.post(
        "/api/v1/auth/login",
        json={"email": "admin@example.com", "password": PASSWORD, "session": True},
    )
    assert res.status_code == 200 and "refresh_token" not in res.get_json()
    cookies = _cookies(res)
    refresh_cookie = cookies["chinwag_refresh"]
    assert "HttpOnly" in refresh_cookie and "SameSite=Strict" in refresh_cookie
    assert "Path=/api/v1/auth" in refresh_cookie
    assert (
        "HttpOnly" not in cookies["chinwag_csrf"] and "SameSite=Strict" in cookies["chinwag_csrf"]
    )
    csrf = cookies["chinwag_csrf"].split(";")[0].split("=", 1)[1]

    missing = c.post("/api/v1/auth/refresh", json={})
    assert missing.status_code == 403 and missing.get_json()["error"]["code"] == "csrf_failed"
    wrong = c.post("/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    foreign = c.post(
        "/api/v1/auth/refresh",
        json={},
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    good = c.post("/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf})
    assert good.status_code == 200 and "refresh_token" not in good.get_json()
    access = good.get_json()["access_token"]
    assert (
        c.get("/api/v1/auth/me", headers=bearer(access)).get_json()["email"] == "admin@example.com"
    )

    out = c.post("/api/v1/auth/logout", json={"everywhere": True}, headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert c.get("/api/v1/auth/me", headers=bearer(access)).status_code == 401  # revoked everywhere
    after = c.post("/api/v1/auth/refresh", json={}, headers={"X-CSRF-Token": csrf})
    assert after.status_code in (401, 403)


def test_session_cookies_are_secure_on_https(tmp_path: Any) -> None:
    app = make_app(tmp_path, CHINWAG_PUBLIC_URL="https://chat.example")
    create_user(app, "admin@example.com", PASSWORD)
    res = app.test_client().post(
        "/api/v1/auth/login",
        json={"email": "admin@example.com", "password": PASSWORD, "session": True},
    )
    assert all("Secure" in v for v in res.headers.getlist("Set-Cookie"))
    dispose(app)


class _SecretPage(AdminPage):
    slug = "report"
    title = "Secret report"

    def render(self, ctx: Any) -> str:
        return "<p>numbers for admins</p>"


class _TeamPage(AdminPage):
    slug = "team"
    title = "Team board"
    roles = ("admin", "agent")

    def render(self, ctx: Any) -> str:
        raise RuntimeError("broken page")


def test_plugin_admin_pages_by_role_and_state(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, agent_token: str
) -> None:
    host = chinwag_app.extensions["chinwag"].plugins
    host.register_test_plugin(
        "chinwag-pages",
        PluginInfo(display_name="Pages"),
        {AdminPage.namespace: [_SecretPage, _TeamPage]},
    )
    c = chinwag_client

    def pages(token: str) -> list[dict[str, Any]]:  # built-in plugins may have pages too
        found = c.get("/api/v1/admin-pages", headers=bearer(token)).get_json()
        return [p for p in found if p["plugin"] == "chinwag-pages"]

    admin = pages(admin_token)
    assert {p["path"] for p in admin} == {
        "/admin/plugins/chinwag-pages/report",
        "/admin/plugins/chinwag-pages/team",
    }
    assert [p["slug"] for p in pages(agent_token)] == ["team"]
    page = c.get("/api/v1/admin-pages/chinwag-pages/report", headers=bearer(admin_token))
    assert page.get_json()["html"] == "<p>numbers for admins</p>"
    assert (
        c.get("/api/v1/admin-pages/chinwag-pages/report", headers=bearer(agent_token)).status_code
        == 403
    )
    broken = c.get("/api/v1/admin-pages/chinwag-pages/team", headers=bearer(agent_token))
    assert broken.status_code == 502 and broken.get_json()["error"]["code"] == "plugin_failed"
    res = c.patch(
        "/api/v1/plugins/chinwag-pages", json={"enabled": False}, headers=bearer(admin_token)
    )
    assert res.status_code == 200
    assert pages(admin_token) == []
    assert (
        c.get("/api/v1/admin-pages/chinwag-pages/report", headers=bearer(admin_token)).status_code
        == 404
    )


def test_admin_is_an_essential_plugin_with_strict_pages(
    chinwag_client: Any, admin_token: str
) -> None:
    c = chinwag_client
    me = c.get("/api/v1/plugins/chinwag-admin", headers=bearer(admin_token)).get_json()
    assert me["essential"] and me["enabled"] and "chinwag.routes" in me["extension_points"]
    off = c.patch(
        "/api/v1/plugins/chinwag-admin", json={"enabled": False}, headers=bearer(admin_token)
    )
    assert off.status_code == 409 and off.get_json()["error"]["code"] == "plugin_essential"
    for path in [
        "/admin/",
        "/admin/login",
        "/admin/users",
        "/admin/sites/1/design",
        "/admin/plugins/x/y",
        "/admin/audit",
        "/admin/invite",
    ]:
        res = c.get(path)
        assert res.status_code == 200, path
        csp = res.headers["Content-Security-Policy"]
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert script_src.strip() == "script-src 'self'"
        assert "frame-ancestors 'none'" in csp and res.headers["X-Frame-Options"] == "DENY"
        assert "<script>" not in res.get_data(as_text=True)  # no inline script anywhere


def test_protocol_events_are_served_from_events_json(chinwag_client: Any) -> None:
    from importlib import resources

    served = chinwag_client.get("/api/v1/protocol/events.json").get_json()
    assert served == json.loads(resources.files("chinwag").joinpath("events.json").read_text())


def test_embed_snippet(chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]) -> None:
    res = chinwag_client.get(
        f"/api/v1/sites/{demo_site['id']}/embed", headers=bearer(admin_token)
    ).get_json()
    assert f'data-site="{demo_site["site_key"]}"' in res["snippet"]
    assert res["script_url"] == "http://localhost/widget/chinwag.js"
    # 503 widget_not_built without `make widget`
    built = chinwag_client.get("/widget/chinwag.js").status_code == 200
    if built:  # `make test` builds the widget first: the snippet is pinned with SRI
        assert (
            res["integrity"].startswith("sha")
            and f'integrity="{res["integrity"]}"' in res["snippet"]
        )
