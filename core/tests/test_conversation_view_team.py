"""Plugin API 1.4: ``ConversationView.team_id`` is the team a conversation is routed to, so a
plugin (chinwag-feedback's reports) can group by it without reading core tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag.testing import plugin_context


def test_a_plugin_sees_the_conversations_team(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    answer_bot: None,
    visitor_client: Callable[..., Any],
) -> None:
    visitor = visitor_client()
    assert visitor.send("hello")["ok"]
    visitor.wait_for_reply()
    conv = int(visitor.conversation_id)
    auth = {"Authorization": f"Bearer {admin_token}"}

    def seen() -> int | None:
        with chinwag_app.app_context():
            found = plugin_context(chinwag_app, "answer-bot").conversation(conv)
            assert found is not None
            return found.team_id

    assert seen() is None
    team = chinwag_client.post("/api/v1/teams", json={"name": "Billing"}, headers=auth).json
    res = chinwag_client.put(
        f"/api/v1/inbox/conversations/{conv}/team", json={"team_id": team["id"]}, headers=auth
    )
    assert res.status_code == 200, res.json
    assert seen() == team["id"]
    chinwag_client.put(
        f"/api/v1/inbox/conversations/{conv}/team", json={"team_id": None}, headers=auth
    )
    assert seen() is None
