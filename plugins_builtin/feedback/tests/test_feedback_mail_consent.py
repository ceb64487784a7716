"""Which consent mails the survey: on a site that requires consent, ``follow_up_email`` (mails
about a conversation after it ended), never ``analytics`` alone; without ``consent_required``
the survey is mailed as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import PLUGIN, left_then_closed
from test_feedback_mail import _surveys

from chinwag.testing import SmtpInbox, configure_plugin, plugin_context

VERSION = "2026-12"


def _triggers(client: Any, admin_token: str) -> list[str]:
    return [row["trigger"] for row in reversed(_surveys(client, admin_token))]  # oldest first


def test_the_survey_is_mailed_with_follow_up_email_consent_only(
    feedback_app: Any,
    mailing: SmtpInbox,
    site_settings: Callable[..., dict[str, Any]],
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
    verified: Callable[..., Any],
    agent_client: Callable[..., Any],
    chinwag_client: Any,
    admin_token: str,
) -> None:
    configure_plugin(feedback_app, PLUGIN, email_survey=True)

    def leave(email: str, **session: Any) -> int:
        fields = verified(email, **session)
        conv = left_then_closed(feedback_app, answered, visitor_client, agent_client, **fields)
        with feedback_app.app_context():
            ctx = plugin_context(feedback_app, PLUGIN)
            found = ctx.conversation(conv)
            assert found is not None
            return int(found.visitor.id)

    # the site asks for analytics only: a visitor who consented to it is not mailed
    site_settings(consent_required=True, consent_version=VERSION, consent_purposes=["analytics"])
    ann = leave("ann@example.com", consent_version=VERSION)
    with feedback_app.app_context():
        ctx = plugin_context(feedback_app, PLUGIN)
        assert ctx.has_consent(ann, "analytics")
        assert not ctx.has_consent(ann, "follow_up_email")
    assert mailing.mails == []
    assert _triggers(chinwag_client, admin_token) == ["on_close"]  # asked in the widget

    # the site asks for follow_up_email too: a visitor who consented is mailed
    site_settings(consent_purposes=["analytics", "follow_up_email"])
    leave("bob@example.com", consent_version=VERSION)
    rcpts, _mail = mailing.only()
    assert rcpts == ["bob@example.com"]
    assert _triggers(chinwag_client, admin_token) == ["on_close", "email_on_close"]

    # one who did not consent is not
    leave("cy@example.com")
    assert mailing.mails == []

    # a site that does not require consent mails as before, consent or not
    site_settings(consent_required=False)
    leave("dee@example.com")
    assert mailing.only()[0] == ["dee@example.com"]
    assert _triggers(chinwag_client, admin_token)[-1] == "email_on_close"
