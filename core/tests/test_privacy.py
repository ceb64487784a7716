"""Privacy requests cover the core and every plugin that keeps data."""

from typing import Any

from chinwag_plugin_api import PluginContext, PluginInfo, PrivacyHandler, VisitorRef

ERASED: list[int] = []


class Notes(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> dict[str, Any]:
        return {"notes": [f"note about {visitor.id}"]}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        ERASED.append(visitor.id)


class Broken(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> dict[str, Any]:
        raise RuntimeError("export failed")

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        raise RuntimeError("erase failed")


def test_export_and_erase(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_session: Any,
    demo_site: Any,
    socket_client: Any,
) -> None:
    ERASED.clear()
    host = chinwag_app.extensions["chinwag"].plugins
    host.register_test_plugin("notes", PluginInfo("Notes"), {PrivacyHandler.namespace: [Notes]})
    host.register_test_plugin("broken", PluginInfo("Broken"), {PrivacyHandler.namespace: [Broken]})
    s = visitor_session(consent_version="2026-01")
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    v.emit(
        "message.send",
        {"client_msg_id": "a", "text": "my order 42"},
        namespace="/widget",
        callback=True,
    )
    h = {"Authorization": f"Bearer {admin_token}"}
    vid = s["visitor_id"]

    data = chinwag_client.get(f"/api/v1/visitors/{vid}/export", headers=h).get_json()
    assert data["visitor"]["id"] == vid and data["consent"]["version"] == "2026-01"
    assert [m["text"] for m in data["conversations"][0]["messages"]] == ["my order 42"]
    # other installed plugins (e.g. chinwag-media) may report their own, empty, data
    assert data["plugins"]["notes"] == {"notes": [f"note about {vid}"]}
    assert "broken" not in data["plugins"]

    res = chinwag_client.delete(f"/api/v1/visitors/{vid}", headers=h).get_json()
    assert res == {"erased": True, "failed_plugins": ["broken"]}
    assert [vid] == ERASED
    assert chinwag_client.get(f"/api/v1/visitors/{vid}/export", headers=h).status_code == 404
    # the erased visitor's token no longer opens a session's socket
    v2 = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    assert not v2.is_connected("/widget")


def test_agents_cannot_export(chinwag_app: Any, chinwag_client: Any, visitor_session: Any) -> None:
    from chinwag.testing import create_user, login

    create_user(chinwag_app, "agent@example.com", "agent password 1", "agent")
    token = login(chinwag_client, "agent@example.com", "agent password 1")
    vid = visitor_session()["visitor_id"]
    res = chinwag_client.get(
        f"/api/v1/visitors/{vid}/export", headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
