"""What agents and listeners get: the rating as an inbox annotation (gone with the plugin
switched off), and typed events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_plugin_api import PluginContext
from chinwag_plugin_api.events import Event, EventListener
from conftest import PLUGIN, rate

from chinwag.testing import enable_plugin, register_plugin

HEARD: list[Event] = []


class Heard(EventListener):
    events = ("feedback.rating_given",)

    def handle(self, ctx: PluginContext, event: Event) -> None:
        HEARD.append(event)


def test_rating_is_an_event_and_an_inbox_annotation(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    HEARD.clear()
    register_plugin(feedback_app, "feedback-heard", Heard)
    visitor, answer = answered()
    assert rate(visitor, answer, value="down")["ok"]
    assert rate(visitor, answer, step="reason", values={"reason": "wrong"})["ok"]
    feedback_app.extensions["chinwag"].bus.wait_idle()
    assert [(e.name, e.value, e.reason) for e in HEARD] == [  # type: ignore[attr-defined]
        ("feedback.rating_given", "down", None),
        ("feedback.rating_given", "down", "wrong"),
    ]
    assert {e.message_id for e in HEARD} == {answer["id"]}  # type: ignore[attr-defined]
    rows = chinwag_client.get(
        "/api/v1/inbox/conversations", headers={"Authorization": f"Bearer {admin_token}"}
    ).json
    [row] = [r for r in rows if r["id"] == answer["conversation_id"]]
    labels = [(a["label"], a["tone"]) for a in row["annotations"]]
    assert ("👎 Not helpful: Wrong answer", "negative") in labels

    # switched off, the rating leaves the inbox's list and the conversation's annotations
    auth = {"Authorization": f"Bearer {admin_token}"}
    thread = f"/api/v1/inbox/conversations/{answer['conversation_id']}/annotations"
    assert "Not helpful" in chinwag_client.get(thread, headers=auth).get_data(as_text=True)
    enable_plugin(feedback_app, PLUGIN, False)
    rows = chinwag_client.get("/api/v1/inbox/conversations", headers=auth).json
    [row] = [r for r in rows if r["id"] == answer["conversation_id"]]
    assert row["annotations"] == []
    res = chinwag_client.get(thread, headers=auth)
    assert res.status_code == 200 and "Not helpful" not in res.get_data(as_text=True)
