"""The survey's other scales as the report counts them: NPS answers make promoters, passives,
detractors and the NPS figure (% promoters - % detractors) in the REST summary and on the
Reports page; a thumbs survey offers 👍 then 👎, and a 👎 is an unsatisfied answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import PLUGIN, close_for_survey

from chinwag.testing import configure_plugin


def _get(client: Any, token: str, url: str) -> Any:
    res = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.json
    return res.json


def _answer(answered: Callable[..., Any], score: str) -> dict[str, Any]:
    """A new conversation closed and its survey answered with ``score``; returns the prompt."""
    visitor, _ = answered()
    prompt = close_for_survey(visitor)
    assert visitor.submit(prompt, score=score)["ok"]
    return dict(prompt)


def test_nps_answers_make_the_reports_nps(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, scale="nps")
    for score in ("10", "9", "8", "3"):
        _answer(answered, score)
    totals = _get(chinwag_client, admin_token, "/api/v1/feedback/summary")["totals"]
    assert (totals["promoters"], totals["passives"], totals["detractors"]) == (2, 1, 1)
    assert totals["nps"] == 25.0  # 50% promoters - 25% detractors
    assert totals["csat"] == 0.5  # only promoters count as satisfied
    html = _get(chinwag_client, admin_token, f"/api/v1/admin-pages/{PLUGIN}/reports")["html"]
    assert 'data-metric="nps">25.0 (promoters 2, passives 1, detractors 1)' in html


def test_a_thumbs_survey_offers_up_then_down(
    feedback_app: Any, chinwag_client: Any, admin_token: str, answered: Callable[..., Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, scale="thumbs")
    prompt = _answer(answered, "0")
    [choice] = [c for c in prompt["payload"]["components"] if c["type"] == "single_select"]
    assert [(o["value"], o["text"]) for o in choice["options"]] == [
        ("1", "👍 Good"),
        ("0", "👎 Bad"),
    ]
    _answer(answered, "1")
    items = _get(chinwag_client, admin_token, "/api/v1/feedback?type=survey")["items"]
    assert sorted((i["score"], i["satisfied"], i["scale"]) for i in items) == [
        (0, False, "thumbs"),
        (1, True, "thumbs"),
    ]
    totals = _get(chinwag_client, admin_token, "/api/v1/feedback/summary")["totals"]
    assert (totals["csat"], totals["nps"]) == (0.5, None)
