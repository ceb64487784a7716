"""The Reports page and its CSV per site, per period and per agent: the filters in the page's
URL narrow the figures, the tables, the comments and the export the page links to, and the
form shows them back. Two conversations: one three days ago with the bot (rated down, 2 stars),
one today assigned to an agent (5 stars); a second site has none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from chinwag_feedback.models import Rating, Survey
from conftest import PLUGIN, close_for_survey, rate
from sqlalchemy import select

from chinwag.testing import app_session, create_site

REPORT = f"/api/v1/admin-pages/{PLUGIN}/reports"


def _report(client: Any, token: str, query: str) -> str:
    res = client.get(f"{REPORT}?{query}", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.json
    return str(res.json["html"])


def _csv_rows(client: Any, html: str) -> list[tuple[str, str, str]]:
    """The (type, conversation, value or score) rows of the page's Export CSV link."""
    href = html.split(" download>Export CSV")[0].rsplit('href="', 1)[1].split('"')[0]
    path = "/" + href.split("://", 1)[1].split("/", 1)[1] if "://" in href else href
    res = client.get(path.replace("&amp;", "&"))
    assert res.status_code == 200 and res.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True))))
    return [(r["type"], r["conversation_id"], r["value_or_score"]) for r in rows]


def _move_back(app: Any, conversation_id: int, days: int) -> None:
    """Date a conversation's rating and survey ``days`` earlier (given then)."""
    back = timedelta(days=days)
    with app_session(app) as s:
        for rating in s.execute(select(Rating).where(Rating.conversation_id == conversation_id)):
            rating[0].created_at -= back
        for survey in s.execute(select(Survey).where(Survey.conversation_id == conversation_id)):
            survey[0].asked_at -= back
        s.commit()


def test_the_report_and_its_csv_per_site_period_and_agent(
    feedback_app: Any,
    chinwag_client: Any,
    admin_token: str,
    answered: Callable[..., Any],
    agent_client: Callable[..., Any],
    demo_site: dict[str, Any],
) -> None:
    old, old_answer = answered("parcel")
    assert rate(old, old_answer, value="down")["ok"]
    assert old.submit(close_for_survey(old), score="2", comment="Too slow")["ok"]
    old_conv = int(old.conversation_id)
    _move_back(feedback_app, old_conv, 3)

    agent = agent_client("agent")
    agent_id = chinwag_client.get("/api/v1/auth/me", headers=agent.headers).json["id"]
    new, new_answer = answered("refund")
    new_conv = int(new.conversation_id)
    assigned = agent_client("admin").emit(
        "conversation.assign", {"conversation_id": new_conv, "user_id": agent_id}
    )
    assert assigned["ok"], assigned
    assert rate(new, new_answer, value="up")["ok"]
    assert new.submit(close_for_survey(new), score="5", comment="Lovely")["ok"]
    other_site = create_site(feedback_app, "Other site")["id"]

    today = datetime.now(UTC).date()
    then = (today - timedelta(days=3)).isoformat()

    # the period three days ago: the old conversation only
    html = _report(chinwag_client, admin_token, f"from={then}&to={then}")
    assert 'data-metric="csat">0%' in html and "(1 of 1 surveys)" in html
    assert "Too slow" in html and "Lovely" not in html
    assert f'name="from" type="date" value="{then}"' in html
    assert f'name="to" type="date" value="{then}"' in html
    assert f'<tr><th scope="row">{then}</th><td>0%</td>' in html  # CSAT by day
    assert sorted(_csv_rows(chinwag_client, html)) == [
        ("rating", str(old_conv), "down"),
        ("survey", str(old_conv), "2"),
    ]

    # one agent: the conversation assigned to them, in the per-agent table too
    html = _report(chinwag_client, admin_token, f"agent_id={agent_id}")
    assert 'data-metric="csat">100%' in html and "Lovely" in html and "Too slow" not in html
    by_agent = html.split("<caption>CSAT by agent (table view)</caption>")[1].split("</table>")[0]
    assert f'<th scope="row">{agent_id}</th><td>100%</td>' in by_agent
    assert f'name="agent_id" type="number" value="{agent_id}"' in html
    assert _csv_rows(chinwag_client, html) == [("survey", str(new_conv), "5")]

    # per site: the demo site has both, the other site nothing (and says so)
    html = _report(chinwag_client, admin_token, f"site_id={demo_site['id']}&to={today}")
    assert 'data-metric="csat">50%' in html and "(2 of 2 surveys)" in html
    assert len(_csv_rows(chinwag_client, html)) == 4
    html = _report(chinwag_client, admin_token, f"site_id={other_site}")
    assert 'data-metric="csat">-' in html and "No feedback in this range." in html
    assert "No comments." in html and _csv_rows(chinwag_client, html) == []

    # the same figures from the REST summary, grouped by agent
    summary = chinwag_client.get(
        f"/api/v1/feedback/summary?group_by=agent&site_id={demo_site['id']}",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).json
    by_key = {r["key"]: (r["surveys_answered"], r["csat"]) for r in summary["rows"]}
    assert by_key == {str(agent_id): (1, 1.0), "": (1, 0.0)}

    # bad filters are ignored and named, never a 500
    html = _report(chinwag_client, admin_token, "from=yesterday&agent_id=x")
    assert 'role="status">Some filters were ignored (invalid: agent_id, from).' in html
