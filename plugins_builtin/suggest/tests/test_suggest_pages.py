"""Per-page chips: rule matching (prefix, glob, whole URL, per site), what the widget is told,
the admin's try-a-URL API, and page chips counted as the widget reports them shown and picked."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_suggest.chips import PAGE_CHIPS_EVENT
from chinwag_suggest.pages import chips_for, matches, rule_id

from chinwag.testing import configure_plugin

API = "/api/v1/plugins/chinwag-suggest"
PRICING = ["How much does it cost?", "Is there a free plan?"]
DOCS = ["Where is the API reference?"]
PAGES = [
    {"url": "/pricing", "match": "prefix", "questions": PRICING},
    {"url": "/docs/*/install", "questions": DOCS},
    {"url": "https://shop.example/sale*", "questions": ["Until when is the sale?"], "sites": [999]},
]


@pytest.mark.parametrize(
    ("rule", "url", "expected"),
    [
        ({"url": "/pricing", "match": "prefix"}, "https://a.example/pricing", True),
        ({"url": "/pricing", "match": "prefix"}, "https://a.example/pricing/team?x=1#f", True),
        ({"url": "/pricing", "match": "prefix"}, "https://a.example/docs/pricing", False),
        ({"url": "/pricing"}, "https://a.example/pricing/team", False),  # a glob is exact
        ({"url": "/pricing"}, "https://a.example/pricing?utm=x", True),  # query ignored
        ({"url": "/docs/*/install"}, "https://a.example/docs/v2/install", True),
        ({"url": "/docs/*/install"}, "https://a.example/docs/v2/uninstall", False),
        ({"url": "/a.b"}, "https://a.example/aXb", False),  # only * is special
        ({"url": "https://b.example/*"}, "https://b.example/x", True),
        ({"url": "https://b.example/*"}, "https://a.example/x", False),
    ],
)
def test_rule_matching(rule: dict[str, Any], url: str, expected: bool) -> None:
    assert matches(rule, url) is expected


def test_chips_per_page_and_site() -> None:
    assert chips_for(PAGES, 1, "https://shop.example/pricing/team", 6) == PRICING
    assert chips_for(PAGES, 1, "https://shop.example/docs/v1/install", 6) == DOCS
    assert chips_for(PAGES, 1, "https://shop.example/sale/now", 6) == []  # another site's rule
    assert chips_for(PAGES, 999, "https://shop.example/sale/now", 6) == ["Until when is the sale?"]
    assert chips_for(PAGES, 1, None, 6) == []
    assert chips_for(PAGES, 1, "https://shop.example/pricing", 1) == PRICING[:1]


def test_the_widget_gets_chips_per_rule_and_the_admin_can_try_a_url(
    suggest: Any,
    visitor_session: Any,
    demo_site: dict[str, Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    configure_plugin(suggest, "chinwag-suggest", pages=PAGES)
    features = visitor_session()["features"]["features"]
    rules = [r for f in features if f["type"] == "proactive" for r in f["rules"]]
    # the other site's rule is not sent; chips ride on the rules, shown on every page view
    assert [r["chips"] for r in rules] == [PRICING, DOCS]
    assert {r["message"] for r in rules} == {"Popular questions on this page:"}
    assert {r["cap_hours"] for r in rules} == {0}

    auth = {"Authorization": f"Bearer {admin_token}"}
    site = demo_site["id"]

    def match(url: str) -> Any:
        return chinwag_client.get(
            f"{API}/pages/match", query_string={"site_id": site, "url": url}, headers=auth
        )

    pricing = match("https://shop.example/pricing/team")
    assert pricing.status_code == 200, pricing.get_json()
    assert pricing.get_json() == {"rules": ["/pricing"], "chips": PRICING}
    assert match("/docs/v3/install").get_json()["chips"] == DOCS
    assert match("/contact").get_json() == {"rules": [], "chips": []}
    bad = match("javascript:alert(1)")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    missing = chinwag_client.get(f"{API}/pages/match", headers=auth)
    assert missing.status_code == 400
    anonymous = chinwag_client.get(f"{API}/pages/match?site_id={site}&url=/pricing")
    assert anonymous.status_code == 401


def test_page_chips_count_what_the_widget_reports_and_hidden_leaves_the_widget(
    suggest: Any,
    visitor_client: Any,
    visitor_session: Any,
    chinwag_client: Any,
    admin_token: str,
) -> None:
    configure_plugin(suggest, "chinwag-suggest", pages=PAGES)
    pricing = rule_id(PAGES[0])

    def chips(visitor: Any, **payload: str) -> dict[str, Any]:
        ack: dict[str, Any] = visitor.emit(
            PAGE_CHIPS_EVENT,
            {
                "payload": {"rule": pricing, **payload},
                "values": {},
                "conversation_id": visitor.conversation_id,
            },
        )
        return ack

    one = visitor_client(page_url="https://shop.example/pricing")
    assert chips(one, shown="1")["ok"]  # before any conversation
    one.send(PRICING[1])  # the widget sends the chip's text, then says it was picked
    one.wait_for_reply()
    assert chips(one, chip="1")["ok"]
    two = visitor_client(page_url="https://shop.example/pricing")
    assert chips(two, shown="1")["ok"]
    two.send(PRICING[0])  # typed, not picked: not a click
    two.wait_for_reply()

    auth = {"Authorization": f"Bearer {admin_token}"}
    rows = {r["text"]: r for r in chinwag_client.get(f"{API}/suggestions", headers=auth).get_json()}
    assert rows[PRICING[1]]["source"] == "page"
    assert (rows[PRICING[1]]["shown"], rows[PRICING[1]]["clicked"]) == (2, 1)
    assert (rows[PRICING[0]]["shown"], rows[PRICING[0]]["clicked"]) == (2, 0)

    # what the widget may not report
    assert chips(one, chip="9")["error"]["code"] == "unknown_chip"
    assert chips(one, chip="x")["error"]["code"] == "unknown_chip"
    three = visitor_client()
    assert chips(three, chip="0")["error"]["code"] == "conversation_required"
    three.conversation_id = one.conversation_id  # someone else's conversation
    assert chips(three, chip="0")["error"]["code"] == "not_yours"
    bad = one.emit(PAGE_CHIPS_EVENT, {"payload": {"rule": "suggest-nope", "shown": "1"}})
    assert bad["error"]["code"] == "unknown_rule"

    hide = chinwag_client.patch(
        f"{API}/suggestions/{rows[PRICING[1]]['id']}", json={"hidden": True}, headers=auth
    )
    assert hide.status_code == 200, hide.get_json()
    features = visitor_session()["features"]["features"]
    chips_now = [r["chips"] for f in features if f["type"] == "proactive" for r in f["rules"]]
    assert chips_now == [PRICING[:1], DOCS]
    events = {r["event"] for f in features if f["type"] == "proactive" for r in f["rules"]}
    assert events == {PAGE_CHIPS_EVENT}
