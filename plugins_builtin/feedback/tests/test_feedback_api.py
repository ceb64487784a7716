"""REST (list, summary, CSV export), the Reports page, privacy export/erasure, and the plugin
switched off: its API and page answer 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chinwag_feedback.models import Rating, Survey
from conftest import PLUGIN, close_for_survey, rate
from sqlalchemy import func, select

from chinwag.testing import app_session, enable_plugin


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _survey(visitor: Any, score: str, comment: str = "") -> None:
    ack = visitor.submit(close_for_survey(visitor), score=score, comment=comment)
    assert ack["ok"], ack


def _seed(answered: Callable[..., Any]) -> list[Any]:
    """Three conversations: down+reason+comment & 2 stars, up & 5 stars, unrated & not answered."""
    v1, a1 = answered("parcel")
    rate(v1, a1, value="down")
    rate(v1, a1, step="reason", values={"reason": "wrong"})
    rate(v1, a1, step="comment", values={"comment": "Wrong depot address"})
    _survey(v1, "2", "Too slow")
    v2, a2 = answered("refund")
    rate(v2, a2, value="up")
    _survey(v2, "5")
    v3, _ = answered("hello")
    assert v3.close_conversation()["ok"]
    return [v1, v2, v3]


def test_summary_by_day_and_site(
    feedback_app: Any,
    chinwag_client: Any,
    admin_token: str,
    answered: Callable[..., Any],
    demo_site: dict[str, Any],
) -> None:
    _seed(answered)
    today = datetime.now(UTC).date().isoformat()
    res = chinwag_client.get(
        f"/api/v1/feedback/summary?site_id={demo_site['id']}&from={today}&to={today}",
        headers=_auth(admin_token),
    )
    assert res.status_code == 200, res.json
    body = res.json
    [row] = body["rows"]
    assert row["key"] == today
    assert (row["surveys_asked"], row["surveys_answered"], row["satisfied"]) == (3, 2, 1)
    assert row["response_rate"] == round(2 / 3, 4)
    assert row["csat"] == 0.5
    assert (row["ratings"], row["thumbs_down"], row["thumbs_down_rate"]) == (2, 1, 0.5)
    assert body["totals"]["csat"] == 0.5
    by_site = chinwag_client.get(
        "/api/v1/feedback/summary?group_by=site", headers=_auth(admin_token)
    ).json
    assert [r["key"] for r in by_site["rows"]] == [str(demo_site["id"])]
    by_agent = chinwag_client.get(
        "/api/v1/feedback/summary?group_by=agent", headers=_auth(admin_token)
    ).json
    assert [r["key"] for r in by_agent["rows"]] == [""]  # a bot answered: no agent


def test_list_filters_and_cursor(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    _seed(answered)
    h = _auth(admin_token)
    first = chinwag_client.get("/api/v1/feedback?type=survey&limit=2", headers=h).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = chinwag_client.get(
        f"/api/v1/feedback?type=survey&limit=2&cursor={first['next_cursor']}", headers=h
    ).json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert len(set(ids)) == 3
    downs = chinwag_client.get("/api/v1/feedback?value=down", headers=h).json["items"]
    assert [(d["reason"], d["comment"]) for d in downs] == [("wrong", "Wrong depot address")]
    found = chinwag_client.get("/api/v1/feedback?type=survey&q=slow", headers=h).json["items"]
    assert [f["score"] for f in found] == [2]
    unanswered = chinwag_client.get("/api/v1/feedback?type=survey&answered=false", headers=h).json[
        "items"
    ]
    assert [u["score"] for u in unanswered] == [None]


def test_bad_queries_are_clear_errors(
    feedback_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = _auth(admin_token)
    for url, field in [
        ("/api/v1/feedback/summary?group_by=week", "group_by"),
        ("/api/v1/feedback/summary?from=2030-02-01&to=2030-01-01", "to"),
        ("/api/v1/feedback/summary?from=yesterday", "from"),
        ("/api/v1/feedback?limit=5000", "limit"),
        ("/api/v1/feedback?sort=id", "sort"),
        ("/api/v1/feedback?q=" + "x" * 300, "q"),
        # found by the OpenAPI fuzzer: a 20-digit id overflowed the database (a 500)
        ("/api/v1/feedback?type=survey&cursor=10334484674254596096", "cursor"),
        ("/api/v1/feedback?conversation_id=10334484674254596096", "conversation_id"),
        ("/api/v1/feedback/summary?site_id=10334484674254596096", "site_id"),
    ]:
        res = chinwag_client.get(url, headers=h)
        assert res.status_code == 400, url
        assert res.json["error"]["code"] == "validation_error"
        assert field in res.json["error"]["details"], (url, res.json)


def test_only_admins_read_feedback(
    feedback_app: Any,
    chinwag_client: Any,
    agent_client: Callable[..., Any],
    visitor_client: Callable[..., Any],
) -> None:
    assert chinwag_client.get("/api/v1/feedback").status_code == 401
    agent = agent_client("agent")
    assert chinwag_client.get("/api/v1/feedback", headers=agent.headers).status_code == 403
    visitor = visitor_client()
    res = chinwag_client.get("/api/v1/feedback/summary", headers=visitor.headers)
    assert res.status_code == 403


def test_openapi_lists_the_routes(feedback_app: Any, chinwag_client: Any) -> None:
    paths = chinwag_client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/feedback" in paths
    assert "/api/v1/feedback/summary" in paths
    params = {p["name"] for p in paths["/api/v1/feedback/summary"]["get"]["parameters"]}
    assert {"site_id", "from", "to", "group_by"} <= params


def test_reports_page_and_csv_export(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    visitors = _seed(answered)
    h = _auth(admin_token)
    page = chinwag_client.get(
        "/api/v1/admin-pages/chinwag-feedback/reports?q=depot", headers=h
    ).json
    html = page["html"]
    assert 'data-metric="csat">50%' in html
    assert "Wrong depot address" in html
    assert "Too slow" not in html  # the search narrows the comments
    assert f'href="/admin/?c={visitors[0].conversation_id}"' in html
    assert "<caption>CSAT by day (table view)</caption>" in html
    link = _export_href(html)
    res = chinwag_client.get(link.replace("&amp;", "&"))
    assert res.status_code == 200
    assert res.mimetype == "text/csv"
    lines = res.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("type,id,created_at")
    assert len(lines) == 2 and "Wrong depot address" in lines[1]
    assert (
        chinwag_client.get("/api/v1/feedback/export.csv?token=forged").json["error"]["code"]
        == "link_expired"
    )


def _export_href(html: str) -> str:
    before = html.split(" download>Export CSV")[0]
    href = before.rsplit('href="', 1)[1].split('"')[0]
    return "/" + href.split("://", 1)[1].split("/", 1)[1] if "://" in href else href


def test_privacy_export_and_erase(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    v1, v2, _ = _seed(answered)
    h = _auth(admin_token)
    out = chinwag_client.get(f"/api/v1/visitors/{v1.visitor_id}/export", headers=h).json
    mine = out["plugins"][PLUGIN]
    assert [r["comment"] for r in mine["ratings"]] == ["Wrong depot address"]
    assert [s["score"] for s in mine["surveys"]] == [2]
    assert chinwag_client.delete(f"/api/v1/visitors/{v1.visitor_id}", headers=h).status_code in (
        200,
        204,
    )
    with app_session(feedback_app) as s:
        assert s.execute(select(func.count(Rating.id))).scalar_one() == 1
        left = s.execute(select(Survey.visitor_id)).scalars().all()
        assert v1.visitor_id not in left and v2.visitor_id in left


def test_switched_off_the_api_and_page_are_gone(
    feedback_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    h = _auth(admin_token)
    assert chinwag_client.get("/api/v1/feedback", headers=h).status_code == 200
    enable_plugin(feedback_app, PLUGIN, False)
    assert chinwag_client.get("/api/v1/feedback", headers=h).status_code == 404
    assert chinwag_client.get("/api/v1/feedback/summary", headers=h).status_code == 404
    pages = chinwag_client.get("/api/v1/admin-pages", headers=h).json
    assert not any(p["plugin"] == PLUGIN for p in pages)
    res = chinwag_client.get("/api/v1/admin-pages/chinwag-feedback/reports", headers=h)
    assert res.status_code == 404
