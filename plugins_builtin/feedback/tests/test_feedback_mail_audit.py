"""A mailed survey is in the admin's audit log (``ctx.audit``, plugin API 1.7): which trigger
mailed it, which survey, whether the rating links or a confirmation went; never the address.
A survey that was not mailed (mail off) leaves no entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import PLUGIN, left_then_closed
from test_feedback_mail import _surveys

from chinwag.testing import SmtpInbox, configure_plugin


def _audit(client: Any, token: str) -> list[dict[str, Any]]:
    res = client.get(
        "/api/v1/audit",
        query_string={"plugin": PLUGIN},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 200, res.get_json()
    return list(res.get_json()["entries"])


def test_each_mailed_survey_is_audited_with_its_trigger(
    mailed_survey: Callable[..., list[str]],
    mailing: SmtpInbox,
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    mailed_survey(**verified("ann@example.com"))
    mailing.only()
    mailed_survey(email="maybe@example.com")
    mailing.only()
    second, first = (s["conversation_id"] for s in _surveys(chinwag_client, admin_token))

    entries = _audit(chinwag_client, admin_token)
    assert [(e["target_type"], e["target_id"]) for e in entries] == [
        ("conversation", str(second)),
        ("conversation", str(first)),
    ]
    for entry in entries:
        assert entry["action"] == "chinwag-feedback.survey_mailed"
        assert entry["actor"] == PLUGIN and entry["plugin_display_name"] == "Feedback"
        assert entry["details"]["trigger"] == "email_on_close"
        assert "example.com" not in str(entry["details"])  # never the address
    assert [e["details"]["mail"] for e in entries] == ["confirmation", "survey"]


def test_a_survey_not_mailed_is_not_audited(
    feedback_app: Any,
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    agent_client: Callable[..., Any],
    verified: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    """No CHINWAG_SMTP_URL: the survey waits for the widget, and the log says nothing."""
    configure_plugin(feedback_app, PLUGIN, email_survey=True)
    left_then_closed(
        feedback_app, answered, visitor_client, agent_client, **verified("ann@example.com")
    )
    assert _audit(chinwag_client, admin_token) == []
