"""chinwag-a11y's content check: WCAG advice where authors write (the admin's canned-response
editor, and any plugin asking ``ctx.content_advice``), never blocking, gone when off."""

from __future__ import annotations

from typing import Any

from chinwag.testing import create_site, create_user, enable_plugin, login, plugin_context

URL = "/api/v1/canned-responses"
PLUGIN = "chinwag-a11y"


def _advice(res: Any) -> dict[str, str]:
    return {a["code"]: a["severity"] for a in res.get_json()["advice"] if a["plugin"] == PLUGIN}


def test_canned_response_gets_wcag_advice_and_is_saved(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    site = create_site(chinwag_app)
    text = "See ![](https://shop.example/size.png) and [click here](https://shop.example/faq)."
    body = {"shortcut": "sizes", "title": "Sizes", "text": text, "site_id": site["id"]}
    res = chinwag_client.post(URL, json=body, headers=h)
    assert res.status_code == 201, res.get_json()
    assert _advice(res) == {"missing_alt": "error", "vague_link": "warning"}
    messages = [a["message"] for a in res.get_json()["advice"] if a["plugin"] == PLUGIN]
    assert any(m.startswith("1.1.1: ") for m in messages)
    assert any(m.startswith("2.4.4: ") and "click here" in m for m in messages)
    # the author fixes it: no advice
    fixed = (
        "See ![Size chart](https://shop.example/size.png) and [the FAQ](https://shop.example/faq)."
    )
    res = chinwag_client.patch(f"{URL}/{res.get_json()['id']}", json={"text": fixed}, headers=h)
    assert res.status_code == 200 and _advice(res) == {}
    # capitals are only a suggestion
    res = chinwag_client.post(
        URL, json={"shortcut": "sale", "title": "Sale", "text": "BIG SALE TODAY ONLY"}, headers=h
    )
    assert _advice(res) == {"all_caps": "advice"}


def test_unsaved_text_gets_advice_as_the_author_types(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    site = create_site(chinwag_app)
    body = {"text": "![](https://shop.example/a.png)", "site_id": site["id"]}
    res = chinwag_client.post(f"{URL}/advice", json=body, headers=h)
    assert res.status_code == 200, res.get_json()
    assert _advice(res) == {"missing_alt": "error"}
    assert chinwag_client.get(URL, headers=h).get_json() == []  # nothing saved
    # a blank draft: nothing to say; every site: English rules
    blank = chinwag_client.post(f"{URL}/advice", json={"text": "  "}, headers=h)
    assert blank.status_code == 200 and blank.get_json() == {"advice": []}
    everywhere = chinwag_client.post(f"{URL}/advice", json={"text": "READ THIS NOW"}, headers=h)
    assert _advice(everywhere) == {"all_caps": "advice"}
    for bad, code, status in (
        ({"text": "x", "site_id": 999999}, "not_found", 404),
        ({"text": "x" * 4001}, "validation_error", 400),
        ({"site_id": site["id"]}, "validation_error", 400),
        ({"text": "x", "extra": 1}, "validation_error", 400),
    ):
        res = chinwag_client.post(f"{URL}/advice", json=bad, headers=h)
        assert (res.status_code, res.get_json()["error"]["code"]) == (status, code), bad
    create_user(chinwag_app, "agent@example.com", "agent password 1", role="agent")
    agent = {
        "Authorization": f"Bearer {login(chinwag_client, 'agent@example.com', 'agent password 1')}"
    }
    assert (
        chinwag_client.post(f"{URL}/advice", json={"text": "x"}, headers=agent).status_code == 403
    )


def test_switched_off_no_advice(chinwag_app: Any, chinwag_client: Any, admin_token: str) -> None:
    enable_plugin(chinwag_app, PLUGIN, False)
    res = chinwag_client.post(
        URL,
        json={"shortcut": "x", "title": "X", "text": "[click here](https://shop.example)"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert res.status_code == 201 and _advice(res) == {}


def test_other_plugins_ask_through_the_context(chinwag_app: Any) -> None:
    blocks = [{"type": "buttons", "buttons": [{"label": "More", "value": "m"}]}]
    with chinwag_app.test_request_context():
        found = plugin_context(chinwag_app, PLUGIN).content_advice(
            None, "# Title\n### Step", blocks
        )
    assert {(a.code, a.severity) for a in found} == {
        ("heading_skipped", "warning"),
        ("vague_link", "warning"),
    }
