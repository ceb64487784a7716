"""Reports by team and per knowledge-base article: the summary groups by the conversation's
team (``group_by=team``), and ``/api/v1/feedback/articles`` gives the thumbs-down rate and the
reasons of each article a rated bot answer linked (its ``card`` blocks, as the answer bot
links the articles it quotes); the admin's report shows both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chinwag_plugin_api import ConversationView, MessageView, Reply, Responder
from conftest import PLUGIN, close_for_survey, rate

from chinwag.testing import enable_plugin, register_plugin

KB = "https://chat.example/api/v1/kb/sites/1/articles/"


def _card(slug: str, title: str) -> dict[str, Any]:
    return {"type": "card", "title": title, "url": KB + slug, "text": f"About {title}."}


class CardBot(Responder):
    """Answers like the answer bot: the best article quoted, each one linked as a card."""

    def respond(
        self, ctx: Any, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        cards: tuple[dict[str, Any], ...]
        if "refund" in message.text:
            cards = (_card("refunds", "Refunds"), _card("returns", "Returns"))
        else:
            cards = (_card("delivery", "Delivery times"),)
        return Reply(text="From the knowledge base:", blocks=cards)


@pytest.fixture
def kb_app(chinwag_app: Any) -> Any:
    enable_plugin(chinwag_app, PLUGIN)
    register_plugin(chinwag_app, "card-bot", CardBot)
    return chinwag_app


def _get(client: Any, token: str, url: str) -> Any:
    res = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.json
    return res.json


def _team(client: Any, token: str, name: str, conversation_id: int) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    team = client.post("/api/v1/teams", json={"name": name}, headers=auth)
    assert team.status_code == 201, team.json
    put = client.put(
        f"/api/v1/inbox/conversations/{conversation_id}/team",
        json={"team_id": team.json["id"]},
        headers=auth,
    )
    assert put.status_code == 200, put.json
    return int(team.json["id"])


def test_thumbs_down_per_article_with_reasons_and_csat_per_team(
    kb_app: Any, visitor_client: Callable[..., Any], chinwag_client: Any, admin_token: str
) -> None:
    refunds = visitor_client()
    assert refunds.send("how do refunds work")["ok"]
    answer = refunds.wait_for_reply()
    team = _team(chinwag_client, admin_token, "Billing", int(refunds.conversation_id))
    assert rate(refunds, answer, value="down")["ok"]
    assert rate(refunds, answer, {"reason": "wrong"}, step="reason")["ok"]
    assert refunds.submit(close_for_survey(refunds), score="2")["ok"]

    delivery = visitor_client()
    assert delivery.send("when will it arrive")["ok"]
    assert rate(delivery, delivery.wait_for_reply(), value="up")["ok"]
    assert delivery.submit(close_for_survey(delivery), score="5")["ok"]

    rows = _get(chinwag_client, admin_token, "/api/v1/feedback/articles")["rows"]
    by_url = {r["url"].removeprefix(KB): r for r in rows}
    assert [r["url"].removeprefix(KB) for r in rows][:2] == ["refunds", "returns"]
    assert by_url["refunds"] == {
        "url": KB + "refunds",
        "title": "Refunds",
        "ratings": 1,
        "thumbs_down": 1,
        "thumbs_down_rate": 1.0,
        "reasons": {"wrong": 1},
    }
    assert by_url["returns"]["reasons"] == {"wrong": 1}  # the answer linked both
    assert (by_url["delivery"]["ratings"], by_url["delivery"]["thumbs_down_rate"]) == (1, 0.0)

    summary = _get(chinwag_client, admin_token, "/api/v1/feedback/summary?group_by=team")
    keys = {r["key"]: r for r in summary["rows"]}
    assert set(keys) == {str(team), ""}  # the second conversation has no team
    assert (keys[str(team)]["csat"], keys[str(team)]["thumbs_down_rate"]) == (0.0, 1.0)
    assert (keys[""]["csat"], keys[""]["thumbs_down"]) == (1.0, 0)
    assert summary["totals"]["surveys_answered"] == 2

    bad = chinwag_client.get(
        "/api/v1/feedback/summary?group_by=planet",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert bad.status_code == 400 and bad.json["error"]["code"] == "validation_error"
    spec = chinwag_client.get("/api/v1/openapi.json").json
    assert "/api/v1/feedback/articles" in spec["paths"]

    html = _get(chinwag_client, admin_token, f"/api/v1/admin-pages/{PLUGIN}/reports")["html"]
    assert "CSAT by team (table view)" in html
    assert "Knowledge-base articles" in html and "wrong: 1" in html
    assert f'<a href="{KB}refunds">Refunds</a>' in html
