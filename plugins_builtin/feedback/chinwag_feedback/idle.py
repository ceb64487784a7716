"""The "after N minutes without a reply" survey (``ask: after_idle``), run every minute by the
scheduled job :class:`chinwag_feedback.jobs.IdleSurveys`.

A conversation is due once a bot or agent answered and the visitor said nothing since for the
site's ``idle_minutes`` (``Thread.survey_due``, which a visitor's message clears). Its survey
is then mailed when the site has ``email_survey`` and the visitor left (no widget open), else
asked in the widget. Either way at most once per conversation (one ``Survey`` row, unique):
a survey already asked in the widget, answered or not, is never mailed as well.
"""

from __future__ import annotations

from datetime import timedelta

from chinwag_plugin_api import PluginContext
from sqlalchemy import select

from chinwag_feedback.mail_survey import mail_survey
from chinwag_feedback.models import Thread, now
from chinwag_feedback.service import _aware, ask_survey, config

TRIGGER = "after_idle"


def ask_idle_surveys(ctx: PluginContext, limit: int = 500) -> int:
    """Ask (or mail) the surveys of conversations quiet for their site's ``idle_minutes``
    after an answer; returns how many were asked or mailed."""
    session = ctx.db_session
    stamp = now()
    due = session.execute(
        select(Thread)
        .where(Thread.survey_due.is_(True))
        .where(Thread.last_message_at <= stamp - timedelta(minutes=1))
        .order_by(Thread.last_message_at)
        .limit(limit)
    ).scalars()
    asked = 0
    for thread in list(due):
        cfg = config(ctx, thread.site_id)
        if stamp - _aware(thread.last_message_at) < timedelta(minutes=cfg.idle_minutes):
            continue
        # cleared and committed first: a job run again (or in another process) skips it
        thread.survey_due = False
        session.commit()
        if cfg.ask != TRIGGER:
            continue
        conversation_id = thread.conversation_id
        if mail_survey(ctx, conversation_id, TRIGGER) or ask_survey(ctx, conversation_id, TRIGGER):
            asked += 1
    return asked
