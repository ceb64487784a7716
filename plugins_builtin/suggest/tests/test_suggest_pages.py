"""Per-page chips: rule matching (prefix, glob, whole URL, per site), what the widget is told,
the admin's try-a-URL API, and a page chip sent as a message counted as clicked."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_suggest.pages import chips_for, matches

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


def test_a_page_chip_sent_counts_as_clicked_and_hidden_leaves_the_widget(
    suggest: Any,
    visitor_client: Any,
    visitor_session: Any,
    chinwag_client: Any,
    admin_token: str,
) -> None:
    configure_plugin(suggest, "chinwag-suggest", pages=PAGES)
    on_pricing = visitor_client(page_url="https://shop.example/pricing")
    on_pricing.send(PRICING[1])
    on_pricing.wait_for_reply()
    on_docs = visitor_client(page_url="https://shop.example/docs/v1/install")
    on_docs.send(PRICING[0])  # not a chip of the docs page: a question like any other
    on_docs.wait_for_reply()
    auth = {"Authorization": f"Bearer {admin_token}"}
    res = chinwag_client.get(f"{API}/suggestions", headers=auth)
    rows = {r["text"]: r for r in res.get_json()}
    assert rows[PRICING[1]]["source"] == "page"
    assert (rows[PRICING[1]]["shown"], rows[PRICING[1]]["clicked"]) == (1, 1)
    assert PRICING[0] not in rows or rows[PRICING[0]]["clicked"] == 0

    hide = chinwag_client.patch(
        f"{API}/suggestions/{rows[PRICING[1]]['id']}", json={"hidden": True}, headers=auth
    )
    assert hide.status_code == 200, hide.get_json()
    features = visitor_session()["features"]["features"]
    chips = [r["chips"] for f in features if f["type"] == "proactive" for r in f["rules"]]
    assert chips == [PRICING[:1], DOCS]
