"""The ``chinwag.content_checks`` extension point: what an author saving a canned response is
told, and what a plugin asking ``ctx.content_advice`` gets (a test plugin, registered as a
plugin author would)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import Advice, ContentCheck, PluginContext

from chinwag.testing import create_site, enable_plugin, plugin_context, register_plugin

URL = "/api/v1/canned-responses"


class Shouty(ContentCheck):
    """Advises against "!!!"; reports which site and blocks it was asked about."""

    seen: list[tuple[int | None, list[dict[str, Any]]]] = []

    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        Shouty.seen.append((site_id, [dict(b) for b in blocks]))
        if "!!!" not in text:
            return []
        return [Advice("shouting", "One exclamation mark is enough.", "warning")]


class Broken(ContentCheck):
    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        raise RuntimeError("broken check")


def _mine(res: Any, plugin: str = "shouty") -> list[dict[str, Any]]:
    return [a for a in res.get_json()["advice"] if a["plugin"] == plugin]


def test_saving_a_canned_response_returns_the_checks_advice(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    register_plugin(chinwag_app, "shouty", Shouty)
    site = create_site(chinwag_app)
    h = {"Authorization": f"Bearer {admin_token}"}
    body = {"shortcut": "wow", "title": "Wow", "text": "Thanks!!!", "site_id": site["id"]}
    res = chinwag_client.post(URL, json=body, headers=h)
    assert res.status_code == 201, res.get_json()
    assert _mine(res) == [
        {
            "plugin": "shouty",
            "code": "shouting",
            "message": "One exclamation mark is enough.",
            "severity": "warning",
        }
    ]
    assert Shouty.seen[-1] == (site["id"], [])
    # the response was saved all the same (advice never blocks)
    saved = chinwag_client.get(URL, headers=h).get_json()
    assert [r["text"] for r in saved if r["shortcut"] == "wow"] == ["Thanks!!!"]
    # changing it asks again: fixed text, no advice
    res = chinwag_client.patch(f"{URL}/{res.get_json()['id']}", json={"text": "Thanks!"}, headers=h)
    assert res.status_code == 200 and _mine(res) == []
    # the OpenAPI document describes the advice
    spec = chinwag_client.get("/api/v1/openapi.json").get_json()
    answer = spec["paths"][URL]["post"]["responses"]["201"]["content"]["application/json"]
    assert answer["schema"]["$ref"].endswith("/CannedSaved")
    assert "advice" in spec["components"]["schemas"]["CannedSaved"]["properties"]


def test_a_failing_check_is_skipped_and_a_disabled_one_is_not_asked(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    register_plugin(chinwag_app, "shouty", Shouty)
    broken = register_plugin(chinwag_app, "broken", Broken)
    h = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.post(URL, json={"shortcut": "a", "title": "A", "text": "Hi!!!"}, headers=h)
    assert res.status_code == 201, res.get_json()
    assert [a["code"] for a in _mine(res)] == ["shouting"]
    assert _mine(res, "broken") == []
    assert broken.health()["failures"] >= 1
    enable_plugin(chinwag_app, "shouty", False)
    res = chinwag_client.post(URL, json={"shortcut": "b", "title": "B", "text": "Hi!!!"}, headers=h)
    assert res.status_code == 201 and _mine(res) == []


def test_plugins_ask_through_the_context(chinwag_app: Any) -> None:
    register_plugin(chinwag_app, "shouty", Shouty)
    register_plugin(chinwag_app, "asker", Broken)
    blocks = [{"type": "image", "url": "https://x.example/a.png", "alt": ""}]
    with chinwag_app.test_request_context():
        ctx = plugin_context(chinwag_app, "asker")
        found = ctx.content_advice(7, "Sale!!!", blocks)
    assert [a.code for a in found if a.code == "shouting"] == ["shouting"]
    assert all(isinstance(a, Advice) for a in found)
    assert Shouty.seen[-1] == (7, blocks)


class Recursive(ContentCheck):
    """Asks for advice from inside its own check (it would ask itself without end)."""

    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        return ctx.content_advice(site_id, text, blocks)


def test_a_check_asking_for_advice_itself_is_refused_and_the_others_answer(
    chinwag_app: Any,
) -> None:
    register_plugin(chinwag_app, "shouty", Shouty)
    looping = register_plugin(chinwag_app, "looping", Recursive)
    with chinwag_app.test_request_context():
        found = plugin_context(chinwag_app, "shouty").content_advice(None, "Hey!!!")
    assert [a.code for a in found] == ["shouting"]
    health = looping.health()
    assert health["failures"] == 1
    assert "content_advice_recursion" in str(health["last_error"]) or "ask itself" in str(
        health["last_error"]
    )
