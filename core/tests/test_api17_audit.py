"""Plugin API 1.7: ``ctx.audit`` writes the admin's audit log (issue 13). The action is
namespaced ``<plugin>.<action>`` so a plugin cannot write one of the core's actions, details are
size-limited and redacted of secrets, and the entry names the plugin for the audit page."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api import (
    ActorRef,
    PluginInfo,
    StrictSchema,
    secret_field,
)
from flask import Flask
from flask.testing import FlaskClient

from chinwag.testing import plugin_context, register_plugin


class LedgerSettings(StrictSchema):
    api_key = secret_field()


def _ledger(app: Flask, name: str = "chinwag-ledger") -> None:
    register_plugin(app, name, info=PluginInfo("Ledger", settings_schema=LedgerSettings))


def _entries(client: FlaskClient, token: str, **query: str) -> list[dict[str, Any]]:
    res = client.get(
        "/api/v1/audit", query_string=query, headers={"Authorization": f"Bearer {token}"}
    )
    assert res.status_code == 200, res.get_json()
    entries: list[dict[str, Any]] = res.get_json()["entries"]
    return entries


def _configure(client: FlaskClient, token: str, name: str, settings: dict[str, Any]) -> None:
    res = client.patch(
        f"/api/v1/plugins/{name}",
        json={"settings": settings},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 200, res.get_json()


def test_a_plugins_entry_is_namespaced_redacted_and_names_the_plugin(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str
) -> None:
    _ledger(chinwag_app)
    _configure(chinwag_client, admin_token, "chinwag-ledger", {"api_key": "sk-live-1234567890"})
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-ledger")
        ctx.audit(
            "export.sent",
            "site",
            7,
            {
                "rows": 12,
                "author_kind": "agent",  # "auth" in a name is no secret; "authorization" is
                "password": "hunter2",
                "upstream": {"Authorization": "Bearer abc", "region": "eu"},
                "echo": "sk-live-1234567890",
                "formats": ("csv", "json"),
            },
        )
        ctx.db_session.commit()

    (entry,) = _entries(chinwag_client, admin_token, plugin="chinwag-ledger")
    assert entry["action"] == "chinwag-ledger.export.sent"
    assert entry["plugin"] == "chinwag-ledger"
    assert entry["plugin_display_name"] == "Ledger"
    assert entry["actor"] == "chinwag-ledger"
    assert entry["actor_id"] is None
    assert (entry["target_type"], entry["target_id"]) == ("site", "7")
    assert entry["details"] == {
        "rows": 12,
        "author_kind": "agent",
        "password": "********",
        "upstream": {"Authorization": "********", "region": "eu"},
        "echo": "********",
        "formats": ["csv", "json"],
    }
    # the search finds it by the plugin's name; the secret is nowhere in what it matches
    assert [e["id"] for e in _entries(chinwag_client, admin_token, q="ledger.export")] == [
        entry["id"]
    ]
    assert _entries(chinwag_client, admin_token, q="sk-live") == []
    assert _entries(chinwag_client, admin_token, q="hunter2") == []
    # the core's own entries name no plugin
    core = _entries(chinwag_client, admin_token, action="plugin.configure")
    assert core and all(e["plugin"] is None and e["plugin_display_name"] is None for e in core)


def test_an_entry_made_for_an_admin_names_them_and_the_plugin(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str
) -> None:
    _ledger(chinwag_app)
    with chinwag_app.app_context():
        from chinwag.models import User

        admin_id = chinwag_app.extensions["sqlalchemy"].session.query(User).one().id
        ctx = plugin_context(chinwag_app, "chinwag-ledger")
        admin = ActorRef("agent", admin_id, None, "admin")
        ctx.audit("rule.update", "ledger_rule", "r-1", {"field": "limit"}, by=admin)
        with pytest.raises(ValueError, match="visitors"):
            ctx.audit("rule.update", "ledger_rule", "r-1", by=ActorRef("visitor", 1, 1))
        ctx.db_session.commit()
    (entry,) = _entries(chinwag_client, admin_token, plugin="chinwag-ledger")
    assert (entry["actor"], entry["actor_id"]) == ("admin@example.com", admin_id)
    assert entry["action"] == "chinwag-ledger.rule.update"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Export", "site", 1), "action"),
        (("", "site", 1), "action"),
        (("x" * 49, "site", 1), "action"),
        (("export..sent", "site", 1), "action"),
        (("export.", "site", 1), "action"),
        (("ok", "Site Type", 1), "target_type"),
        (("ok", "site", ""), "target_id"),
        (("ok", "site", "x" * 201), "target_id"),
        (("ok", "site", 1, {f"k{i}": i for i in range(21)}), "at most 20 keys"),
        (("ok", "site", 1, {"note": "x" * 2001}), "2000 characters"),
        (("ok", "site", 1, {"bad key": 1}), "detail keys"),
        (("ok", "site", 1, {"when": object()}), "JSON"),
        (("ok", "site", 1, {"ratio": float("nan")}), "JSON"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    chinwag_app: Flask,
    chinwag_client: FlaskClient,
    admin_token: str,
    args: tuple[Any, ...],
    message: str,
) -> None:
    _ledger(chinwag_app)
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-ledger")
        with pytest.raises(ValueError, match=message):
            ctx.audit(*args)
        ctx.db_session.commit()
    assert _entries(chinwag_client, admin_token, plugin="chinwag-ledger") == []


def test_a_plugin_named_like_a_core_action_cannot_forge_the_cores_entries(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str
) -> None:
    """A distribution called ``plugin`` would write ``plugin.enable``: it may not audit."""
    _ledger(chinwag_app, "plugin")
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "plugin")
        with pytest.raises(ValueError, match="read as the core's"):
            ctx.audit("enable", "plugin", "chinwag-media")
        ctx.db_session.commit()
    assert _entries(chinwag_client, admin_token, action="plugin.enable") == []


def test_an_entry_goes_with_a_rolled_back_change(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str
) -> None:
    _ledger(chinwag_app)
    with chinwag_app.app_context():
        ctx = plugin_context(chinwag_app, "chinwag-ledger")
        ctx.audit("export.sent", "site", 1)
        ctx.db_session.rollback()
        ctx.audit("export.sent", "site", 2)
        ctx.db_session.commit()
    entries = _entries(chinwag_client, admin_token, plugin="chinwag-ledger")
    assert [e["target_id"] for e in entries] == ["2"]
