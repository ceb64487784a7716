"""``require_role`` on a plugin's plain Flask views (plugin API 1.1): who may call each, the
stable 401/403 errors for the others, and ``current_actor()`` inside the view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import RoutesProvider, current_actor, require_role
from flask import Blueprint, jsonify

from chinwag.testing import ADMIN_PASSWORD, create_user, login, register_plugin

bp = Blueprint("require_role_views", __name__)


@bp.get("/queue")
@require_role("agent")
def queue() -> Any:
    actor = current_actor()
    return jsonify(kind=actor.kind, role=actor.role, id=actor.id)


@bp.get("/billing")
@require_role("admin")
def billing() -> Any:
    return jsonify(role=current_actor().role)


@bp.get("/mine")
@require_role("visitor")
def mine() -> Any:
    actor = current_actor()
    return jsonify(visitor_id=actor.id, site_id=actor.site_id)


class Views(RoutesProvider):
    def blueprint(self) -> Blueprint:
        return bp


def test_require_role_lets_in_only_its_roles(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_session: Callable[..., dict[str, Any]],
    demo_site: dict[str, Any],
) -> None:
    register_plugin(chinwag_app, "roles", Views)
    create_user(chinwag_app, "agent@example.com", ADMIN_PASSWORD, "agent")
    visitor = visitor_session()
    callers = {
        "nobody": {},
        "visitor": {
            "Authorization": f"Visitor {visitor['visitor_token']}",
            "Origin": "https://shop.example",
        },
        "agent": {
            "Authorization": f"Bearer {login(chinwag_client, 'agent@example.com', ADMIN_PASSWORD)}"
        },
        "admin": {"Authorization": f"Bearer {admin_token}"},
    }

    def call(path: str, who: str) -> tuple[int, Any]:
        res = chinwag_client.get(f"/api/v1/plugins/roles/{path}", headers=callers[who])
        body = res.get_json()
        return res.status_code, body["error"]["code"] if res.status_code >= 400 else body

    # "agent" admits agents and admins; "admin" admins only; "visitor" the widget's visitors
    assert {who: call("queue", who)[0] for who in callers} == {
        "nobody": 401,
        "visitor": 403,
        "agent": 200,
        "admin": 200,
    }
    assert call("queue", "nobody")[1] == "unauthorized"
    assert call("queue", "visitor")[1] == "forbidden"
    assert call("queue", "agent")[1]["kind"] == "agent"
    assert call("queue", "agent")[1]["role"] == "agent"
    assert call("queue", "admin")[1]["role"] == "admin"
    assert call("billing", "agent") == (403, "forbidden")
    assert call("billing", "admin") == (200, {"role": "admin"})
    assert call("mine", "agent") == (403, "forbidden")
    assert call("mine", "visitor") == (
        200,
        {"visitor_id": visitor["visitor_id"], "site_id": demo_site["id"]},
    )


def test_require_role_refuses_a_mistake_when_the_module_loads() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require_role()
    with pytest.raises(ValueError, match=r"unknown roles \['agents'\]"):
        require_role("agents")
