"""The audit's API without a browser: validation, "unavailable" without Chromium or axe, history,
and gone with the plugin."""

from __future__ import annotations

from typing import Any

from chinwag.testing import configure_plugin, enable_plugin

AUDITS = "/api/v1/plugins/chinwag-a11y/audits"


def test_audit_reports_unavailable_cleanly_and_keeps_history(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    configure_plugin(chinwag_app, "chinwag-a11y", chromium_path="/nonexistent/chromium")
    key = demo_site["site_key"]
    first = chinwag_client.post(AUDITS, json={"site_key": key}, headers=h)
    assert first.status_code == 202
    body = first.get_json()
    assert body["status"] == "unavailable" and "Chromium" in body["error"]
    chinwag_client.post(AUDITS, json={"site_key": key}, headers=h)
    history = chinwag_client.get(AUDITS, query_string={"site_key": key}, headers=h).get_json()
    assert [a["id"] for a in history] == [body["id"] + 1, body["id"]]
    one = chinwag_client.get(f"{AUDITS}/{body['id']}", headers=h).get_json()
    assert one["error"] == body["error"]
    page = chinwag_client.get("/api/v1/admin-pages/chinwag-a11y/audits", headers=h).get_json()
    assert "unavailable on this server" in page["html"]

    bad = chinwag_client.post(AUDITS, json={"site_key": "<script>", "x": 1}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    assert chinwag_client.get(f"{AUDITS}/999999", headers=h).status_code == 404
    enable_plugin(chinwag_app, "chinwag-a11y", False)
    assert chinwag_client.get(AUDITS, query_string={"site_key": key}, headers=h).status_code == 404
