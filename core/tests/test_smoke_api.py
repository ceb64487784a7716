"""REST basics: health, auth, sites, plugins, OpenAPI, error format."""

from typing import Any


def test_health_and_ready(chinwag_client: Any) -> None:
    assert chinwag_client.get("/healthz").get_json() == {"status": "ok"}
    res = chinwag_client.get("/readyz")
    assert res.status_code == 200
    assert res.get_json()["checks"]["database"] == "ok"


def test_login_wrong_password_is_json_error(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    res = chinwag_client.post(
        "/api/v1/auth/login", json={"email": "admin@example.com", "password": "nope"}
    )
    assert res.status_code == 401
    assert res.get_json() == {
        "error": {"code": "invalid_credentials", "message": "Email or password is wrong."}
    }


def test_sites_crud(chinwag_client: Any, admin_token: str) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.post(
        "/api/v1/sites",
        json={"name": "Shop", "allowed_origins": ["https://shop.example"]},
        headers=h,
    )
    assert res.status_code == 201, res.get_json()
    site = res.get_json()
    assert site["site_key"].startswith("site_") and site["identity_secret"]
    res = chinwag_client.patch(
        f"/api/v1/sites/{site['id']}",
        json={"widget_settings": {"brand_color": "#112233"}},
        headers=h,
    )
    assert res.get_json()["widget_settings"]["brand_color"] == "#112233"
    assert "identity_secret" not in res.get_json()
    res = chinwag_client.post(
        "/api/v1/sites", json={"name": "X", "allowed_origins": ["not an origin"]}, headers=h
    )
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "validation_error"


def test_unknown_route_is_json(chinwag_client: Any) -> None:
    res = chinwag_client.get("/api/v1/nowhere")
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"


def test_openapi_lists_schemas(chinwag_client: Any) -> None:
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/sites/{site_id}" in spec["paths"]
    assert "SiteIn" in spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/auth/login"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("LoginIn")


def test_plugins_listed(chinwag_client: Any, admin_token: str) -> None:
    res = chinwag_client.get("/api/v1/plugins", headers={"Authorization": f"Bearer {admin_token}"})
    names = [p["name"] for p in res.get_json()]
    assert "chinwag" in names
    core = next(p for p in res.get_json() if p["name"] == "chinwag")
    assert core["essential"] and core["enabled"] and "chinwag.blocks" in core["extension_points"]
