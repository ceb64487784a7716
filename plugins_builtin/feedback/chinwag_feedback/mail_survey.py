"""The survey by e-mail: when a conversation closes after its visitor left (no widget open), a
site with ``email_survey`` on mails the survey instead of asking it in the widget.

The mail carries one link per score of the site's scale (1-5 stars by default). Each link is
signed by the core (``ctx.sign``: scoped to this plugin, expiring after ``email_link_days``)
and names the survey and the score; it opens a page where the visitor may add a comment and
sends the answer, recorded by :func:`chinwag_feedback.service.answer_survey` like an answer in
the widget (same row, annotation and ``feedback.csat_answered`` event). The survey is answered
once: every link of the mail is spent by the first answer. Opening a link records nothing
(mail scanners follow links): the page's button does.

Only a visitor who gave or verified an address (``ctx.send_mail`` with their ``VisitorRef``),
and, on a site that requires consent, who consented (``ctx.has_consent``). Otherwise, or with
mail off, the survey is asked in the widget as before.

The mail and the link page speak the visitor's language (``strings.py``, the same strings as
the survey card in the widget), right-to-left for Arabic. Sent on close (``listeners.py``) and,
on sites asking ``after_idle``, by the idle job (``idle.py``).
"""

from __future__ import annotations

import html
from typing import Any

from chinwag_plugin_api import PluginContext, PluginError

from chinwag_feedback import strings
from chinwag_feedback.models import Survey
from chinwag_feedback.plugin import SCALE_RANGE
from chinwag_feedback.service import answer_survey, config, new_survey, survey_asked

TRIGGER = "email"
ENDPOINT = "mail_survey"


def mail_survey(ctx: PluginContext, conversation_id: int) -> bool:
    """Mail the conversation's survey when its site asks that way and the visitor is gone;
    False (nothing stored, nothing sent) when the survey should be asked in the widget."""
    conv = ctx.conversation(conversation_id)
    if conv is None:
        return False
    cfg = config(ctx, conv.site_id)
    if not (cfg.enabled and cfg.email_survey and cfg.ask != "never"):
        return False
    if survey_asked(ctx, conversation_id) or ctx.visitor_online(conv.visitor.id):
        return False
    if not ctx.has_consent(conv.visitor.id):
        return False
    session = ctx.db_session
    survey = new_survey(ctx, conv, cfg, TRIGGER)
    locale = survey.locale
    question = cfg.question(locale)
    low, high = SCALE_RANGE[survey.scale]
    ttl = cfg.email_link_days * 86400
    links = [
        (strings.score_label(locale, survey.scale, n), ctx.url_for(ENDPOINT, token=token))
        for n in range(low, high + 1)
        for token in (ctx.sign(f"{survey.id}:{n}", ttl),)
    ]
    valid = strings.text(locale, "valid", days=cfg.email_link_days)
    text = "\n".join([question, "", *(f"{label}: {url}" for label, url in links), "", valid])
    items = "".join(
        f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>' for label, url in links
    )
    lang, dir_ = strings.language(locale), strings.direction(locale)
    body = (
        f'<div lang="{lang}" dir="{dir_}"><p>{html.escape(question)}</p><ul>{items}</ul>'
        f"<p>{html.escape(valid)}</p></div>"
    )
    try:
        ctx.send_mail(conv.visitor, strings.text(locale, "subject"), text, body)
    except PluginError as exc:  # no address, mail off: ask in the widget instead
        session.rollback()
        ctx.logger.info("survey of conversation %s not mailed: %s", conversation_id, exc.code)
        return False
    session.commit()
    return True


def _survey_of(ctx: PluginContext, token: str) -> tuple[Survey, int]:
    raw = ctx.verify(token) if token else None
    survey_id, _, score = (raw or "").partition(":")
    survey = ctx.db_session.get(Survey, int(survey_id)) if survey_id.isdigit() else None
    if survey is None or survey.trigger != TRIGGER or not score.lstrip("-").isdigit():
        raise PluginError("This survey link is invalid or has expired.", "link_expired", 410)
    if survey.answered_at is not None:
        raise PluginError("This survey was already answered.", "already_answered", 409)
    return survey, int(score)


def _locale_of_token(ctx: PluginContext, token: str) -> str | None:
    """The locale of the survey a (valid) link names, to say even an error in its language."""
    raw = ctx.verify(token) if token else None
    survey_id = (raw or "").partition(":")[0]
    survey = ctx.db_session.get(Survey, int(survey_id)) if survey_id.isdigit() else None
    return survey.locale if survey is not None else None


def _error_page(ctx: PluginContext, token: str, exc: PluginError) -> tuple[str, int]:
    locale = _locale_of_token(ctx, token)
    key = "answered" if exc.code == "already_answered" else "expired"
    message = (
        strings.text(locale, key) if exc.code in ("already_answered", "link_expired") else None
    )
    title = strings.text(locale, "page_title")
    return _page(locale, title, f"<p>{html.escape(message or exc.message)}</p>"), exc.status


def open_link(ctx: PluginContext, token: str) -> tuple[str, int]:
    """The page a rating link opens: the chosen score, a comment box and a button."""
    try:
        survey, score = _survey_of(ctx, token)
    except PluginError as exc:
        return _error_page(ctx, token, exc)
    cfg = config(ctx, survey.site_id)
    locale = survey.locale
    label = html.escape(strings.score_label(locale, survey.scale, score))
    form = (
        f"<p>{html.escape(cfg.question(locale))}</p>"
        f"<p>{html.escape(strings.text(locale, 'page_rating'))} <strong>{label}</strong></p>"
        '<form method="post">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        f'<label for="comment">{html.escape(cfg.follow_up(locale))}</label><br>'
        f'<textarea id="comment" name="comment" rows="4" cols="40" maxlength="{cfg.max_comment}">'
        "</textarea><br>"
        f'<button type="submit">{html.escape(strings.text(locale, "page_send"))}</button></form>'
    )
    return _page(locale, strings.text(locale, "page_title"), form), 200


def submit_link(ctx: PluginContext, token: str, comment: str) -> tuple[str, int]:
    """Record the link's score (and comment) as the survey's answer, once."""
    try:
        survey, score = _survey_of(ctx, token)
        data: dict[str, Any] = {
            "payload": {"survey": str(survey.id)},
            "values": {"score": str(score), "comment": comment},
        }
        done = answer_survey(ctx, data, {"kind": "visitor", "id": survey.visitor_id})
    except PluginError as exc:
        return _error_page(ctx, token, exc)
    title = strings.text(survey.locale, "thanks_title")
    return _page(survey.locale, title, f"<p>{html.escape(str(done['done']))}</p>"), 200


def _page(locale: str | None, title: str, body: str) -> str:
    lang, dir_ = strings.language(locale), strings.direction(locale)
    return (
        f'<!doctype html><html lang="{lang}" dir="{dir_}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
