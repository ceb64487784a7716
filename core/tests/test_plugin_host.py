"""The plugin host: isolation of failing hooks, live toggles, settings and secrets, API versions."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest
from chinwag_plugin_api import (
    InboundProcessor,
    MessageDraft,
    PluginContext,
    PluginInfo,
    Refused,
    secret_field,
)
from marshmallow import Schema, fields, validate

from chinwag.actions import message_dict
from chinwag.models import Message
from chinwag.plugins.settings import MASK
from chinwag.testing import app_session


class Settings(Schema):
    greeting = fields.String(load_default="hello", validate=validate.Length(max=20))
    limit = fields.Integer(load_default=3)
    api_key = secret_field(env="CHINWAG_TEST_PLUGIN_KEY", load_default="")


class Shout(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        draft.text = draft.text.upper()
        draft.annotations["shouted_by"] = ctx.plugin_name
        return draft


class Boom(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        raise RuntimeError("plugin bug")


class NoSwearing(InboundProcessor):
    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        if "darn" in draft.text.lower():
            raise Refused("Please keep it friendly.", code="message_refused_language")
        return draft


def _host(app: Any) -> Any:
    return app.extensions["chinwag"].plugins


def _send(socket_client: Any, demo_site: Any, visitor_session: Any, text: str) -> Any:
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    return v.emit(
        "message.send", {"client_msg_id": "x1", "text": text}, namespace="/widget", callback=True
    )


def test_processor_changes_message_and_failing_one_is_isolated(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    socket_client: Any,
    demo_site: Any,
    visitor_session: Any,
) -> None:
    host = _host(chinwag_app)
    host.register_test_plugin("shout", PluginInfo("Shout"), {InboundProcessor.namespace: [Shout]})
    broken = host.register_test_plugin(
        "broken", PluginInfo("Broken"), {InboundProcessor.namespace: [Boom]}
    )
    ack = _send(socket_client, demo_site, visitor_session, "hello there")
    assert ack["ok"], ack
    assert ack["message"]["text"] == "HELLO THERE"
    # what a plugin notes is stored for agents; the visitor's own copy carries none of it
    assert ack["message"]["annotations"] is None
    with app_session(chinwag_app) as session:
        stored = session.get(Message, ack["message"]["id"])
        assert stored is not None and stored.annotations == {"shouted_by": "shout"}
        assert message_dict(stored)["annotations"] == {"shouted_by": "shout"}
    assert broken.stats.failures == 1 and "plugin bug" in (broken.stats.last_error or "")
    report = chinwag_client.get(
        "/api/v1/plugins/broken", headers={"Authorization": f"Bearer {admin_token}"}
    ).get_json()
    assert report["health"]["failures"] == 1


def test_refusal_reaches_sender_with_its_code(
    chinwag_app: Any, socket_client: Any, demo_site: Any, visitor_session: Any
) -> None:
    _host(chinwag_app).register_test_plugin(
        "polite", PluginInfo("Polite"), {InboundProcessor.namespace: [NoSwearing]}
    )
    ack = _send(socket_client, demo_site, visitor_session, "darn it")
    assert ack == {
        "ok": False,
        "error": {"code": "message_refused_language", "message": "Please keep it friendly."},
    }


def test_disable_takes_effect_without_restart(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    socket_client: Any,
    demo_site: Any,
    visitor_session: Any,
) -> None:
    _host(chinwag_app).register_test_plugin(
        "shout", PluginInfo("Shout"), {InboundProcessor.namespace: [Shout]}
    )
    h = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.patch("/api/v1/plugins/shout", json={"enabled": False}, headers=h)
    assert res.status_code == 200 and res.get_json()["enabled"] is False
    ack = _send(socket_client, demo_site, visitor_session, "quiet please")
    assert ack["message"]["text"] == "quiet please"
    chinwag_client.patch("/api/v1/plugins/shout", json={"enabled": True}, headers=h)
    s = visitor_session()
    v = socket_client(
        "/widget", {"site_key": demo_site["site_key"], "visitor_token": s["visitor_token"]}
    )
    ack = v.emit(
        "message.send", {"client_msg_id": "y", "text": "loud"}, namespace="/widget", callback=True
    )
    assert ack["message"]["text"] == "LOUD"


def test_essential_core_cannot_be_disabled(chinwag_client: Any, admin_token: str) -> None:
    res = chinwag_client.patch(
        "/api/v1/plugins/chinwag",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "plugin_essential"


def test_settings_validated_and_secrets_masked(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _host(chinwag_app).register_test_plugin("cfg", PluginInfo("Cfg", settings_schema=Settings), {})
    h = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.patch(
        "/api/v1/plugins/cfg", json={"settings": {"greeting": "x" * 50}}, headers=h
    )
    assert res.status_code == 400 and "greeting" in res.get_json()["error"]["details"]
    res = chinwag_client.patch("/api/v1/plugins/cfg", json={"settings": {"nope": 1}}, headers=h)
    assert res.status_code == 400
    res = chinwag_client.patch(
        "/api/v1/plugins/cfg", json={"settings": {"api_key": "s3cr3t-value", "limit": 7}}, headers=h
    )
    body = res.get_json()
    assert body["settings"] == {"greeting": "hello", "limit": 7, "api_key": MASK}
    assert "s3cr3t-value" not in res.get_data(as_text=True)
    assert {f["name"]: f["secret"] for f in body["settings_schema"]}["api_key"] is True
    # sending the mask back keeps the stored secret
    chinwag_client.patch(
        "/api/v1/plugins/cfg", json={"settings": {"api_key": MASK, "limit": 8}}, headers=h
    )
    with chinwag_app.app_context():
        assert _host(chinwag_app).settings("cfg")["api_key"] == "s3cr3t-value"
    with chinwag_app.app_context():  # the audit log records keys only, never values
        from chinwag.extensions import db
        from chinwag.models import AuditEntry

        rows = db.session.query(AuditEntry).filter_by(target_id="cfg").all()
        assert rows and all("s3cr3t" not in str(r.details) for r in rows)


def test_secret_from_environment(chinwag_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    host = _host(chinwag_app)
    host.register_test_plugin("cfg", PluginInfo("Cfg", settings_schema=Settings), {})
    monkeypatch.setenv("CHINWAG_TEST_PLUGIN_KEY", "from-env")
    with chinwag_app.app_context():
        host.refresh_state(force=True)
        assert host.settings("cfg")["api_key"] == "from-env"
        assert host.report("cfg")[0]["settings"]["api_key"] == MASK


def test_incompatible_api_is_refused_with_reason(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    _host(chinwag_app).register_test_plugin(
        "future",
        PluginInfo("Future"),
        {InboundProcessor.namespace: [Shout]},
        api_requirement=">=2.0",
    )
    h = {"Authorization": f"Bearer {admin_token}"}
    body = chinwag_client.get("/api/v1/plugins/future", headers=h).get_json()
    assert body["compatible"] is False and body["enabled"] is False
    assert "needs chinwag-plugin-api>=2.0" in body["load_errors"][0]
    res = chinwag_client.patch("/api/v1/plugins/future", json={"enabled": True}, headers=h)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "plugin_not_loaded"


class Sleepy(InboundProcessor):
    delay: ClassVar[float] = 0.05

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        time.sleep(self.delay)
        draft.text = "slept"
        return draft


def test_hook_over_budget_is_counted(
    chinwag_app: Any, socket_client: Any, demo_site: Any, visitor_session: Any
) -> None:
    host = _host(chinwag_app)
    host.hook_timeout = 0.01
    record = host.register_test_plugin(
        "sleepy", PluginInfo("Sleepy"), {InboundProcessor.namespace: [Sleepy]}
    )
    ack = _send(socket_client, demo_site, visitor_session, "hi")
    assert ack["ok"]
    assert record.stats.timeouts == 1 and "budget" in (record.stats.last_error or "")


def test_plugin_without_docs_fails_the_docs_check() -> None:
    from chinwag.plugin_docs import undocumented

    assert undocumented() == []


class KeywordOnly(InboundProcessor):
    """Takes its arguments by keyword only, in another order: hooks are called by keyword."""

    def process(self, *, draft: MessageDraft, ctx: PluginContext) -> MessageDraft:
        draft.annotations["by"] = ctx.plugin_name
        return draft


class DraftOnly(InboundProcessor):
    def process(self, draft: MessageDraft) -> MessageDraft:  # type: ignore[override]
        draft.text = draft.text + "!"
        return draft


def test_hooks_are_called_by_keyword_with_the_arguments_they_take(
    chinwag_app: Any, visitor_client: Any
) -> None:
    from chinwag.testing import register_plugin

    register_plugin(chinwag_app, "a-keyword", KeywordOnly)
    register_plugin(chinwag_app, "b-draft-only", DraftOnly)
    ack = visitor_client().send("hi")
    assert ack["message"]["text"] == "hi!"
    with app_session(chinwag_app) as session:
        stored = session.get(Message, ack["message"]["id"])
        assert stored is not None and stored.annotations == {"by": "a-keyword"}


def test_the_1_0_route_context_still_works_and_warns(chinwag_app: Any) -> None:
    """``flask.g.chinwag_plugin`` (1.0) keeps working through 1.x, with a deprecation warning."""
    from chinwag_plugin_api import ChinwagDeprecationWarning, RoutesProvider, current_context
    from flask import Blueprint, g, jsonify

    from chinwag.testing import register_plugin

    class OldStyle(RoutesProvider):
        def blueprint(self) -> Blueprint:
            bp = Blueprint("old_style", __name__)

            @bp.get("/name")
            def name() -> Any:
                return jsonify(old=g.chinwag_plugin.plugin_name, new=current_context().plugin_name)

            return bp

    register_plugin(chinwag_app, "old-style", OldStyle)
    with pytest.warns(ChinwagDeprecationWarning, match=r"current_context\(\)"):
        res = chinwag_app.test_client().get("/api/v1/plugins/old-style/name")
    assert res.get_json() == {"old": "old-style", "new": "old-style"}


def test_api_version_comes_from_the_package_metadata() -> None:
    from importlib import metadata

    import chinwag_plugin_api

    major, minor = metadata.version("chinwag-plugin-api").split(".")[:2]
    assert f"{major}.{minor}" == chinwag_plugin_api.API_VERSION


def test_health_is_reported_across_processes(
    tmp_path: Any, chinwag_app: Any, visitor_client: Any, database_url: str
) -> None:
    """A second app on the same database (another process, e.g. the CLI) reports the first one's
    hook calls once they are flushed, plus its own."""
    from chinwag.testing import dispose, make_app, register_plugin

    register_plugin(chinwag_app, "shout", Shout)
    visitor = visitor_client()
    visitor.send("one")
    visitor.send("two")
    with chinwag_app.app_context():
        _host(chinwag_app).flush_health()
    other = make_app(tmp_path / "other", database_url)
    try:
        register_plugin(other, "shout", Shout)
        with other.app_context():
            health = _host(other).report("shout")[0]["health"]
        assert health["calls"] == 2 and health["failures"] == 0 and health["processes"] == 1
    finally:
        dispose(other)
