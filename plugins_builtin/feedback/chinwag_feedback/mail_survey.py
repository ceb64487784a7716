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
and, on a site that requires consent, who consented to ``follow_up_email`` (the purpose of
mails about a conversation after it ended, ``ctx.has_consent``; ``analytics`` consent does not
cover a mail). Otherwise, or with mail off, the survey is asked in the widget as before.

**A typed address may be someone else's.** A verified visitor (the site's signed identity:
their address is the identity's or one a confirmation link proved; the widget ignores what
they type) gets the survey's rating links at once. A visitor who only typed an address gets a
confirmation mail instead: who asked (the site's name), one link, and "if it was not you,
ignore this mail". The link opens the survey; answering it confirms the address
(``Survey.address_confirmed``). A visitor whose confirmation mail went unanswered is never
mailed again (every later survey is asked in the widget), so a stranger's address gets one
mail per visitor at most, never the conversation's content.

Each mail names its trigger (``email_on_close`` or ``email_after_idle``, in ``Survey.trigger``,
the REST list, the CSV export and the ``feedback.csat_answered`` event), and is in the admin's
audit log (``chinwag-feedback.survey_mailed`` on the conversation: the trigger, the survey, and
whether the rating links or a confirmation went; never the address). Changes to the triggers
themselves are the core's ``plugin.configure`` entries.

The mail and the link page speak the visitor's language (``strings.py``, the same strings as
the survey card in the widget), right-to-left for Arabic; the link's page is
:mod:`chinwag_feedback.link_page`. Sent on close (``listeners.py``) and, on sites asking
``after_idle``, by the idle job (``idle.py``).
"""

from __future__ import annotations

import html

from chinwag_plugin_api import PluginContext, PluginError
from sqlalchemy import select

from chinwag_feedback import strings
from chinwag_feedback.models import Survey
from chinwag_feedback.plugin import SCALE_RANGE, SiteConfig
from chinwag_feedback.service import config, new_survey, survey_asked

#: ``Survey.trigger`` of a mailed survey, by what mailed it
TRIGGERS = {"on_close": "email_on_close", "after_idle": "email_after_idle"}
ENDPOINT = "mail_survey"
#: the score of a confirmation link: the visitor picks the score on the page
CONFIRM = "confirm"


def _ignored_before(ctx: PluginContext, visitor_id: int) -> bool:
    """Whether this visitor was sent a confirmation mail that nobody answered."""
    found = ctx.db_session.execute(
        select(Survey.id)
        .where(Survey.visitor_id == visitor_id)
        .where(Survey.address_confirmed.is_(False))
        .limit(1)
    ).first()
    return found is not None


def _site_name(ctx: PluginContext, site_id: int) -> str:
    return next((s.name for s in ctx.sites() if s.id == site_id), "") or f"site {site_id}"


def mail_survey(ctx: PluginContext, conversation_id: int, when: str = "on_close") -> bool:
    """Mail the conversation's survey (``when``: ``on_close`` or ``after_idle``, what mails it)
    when its site asks that way and the visitor is gone: the rating links to a verified
    identity, a confirmation mail to a typed address. False (nothing stored, nothing sent) when
    the survey should be asked in the widget."""
    conv = ctx.conversation(conversation_id)
    if conv is None:
        return False
    cfg = config(ctx, conv.site_id)
    if not (cfg.enabled and cfg.email_survey and cfg.ask != "never"):
        return False
    if survey_asked(ctx, conversation_id) or ctx.visitor_online(conv.visitor.id):
        return False
    if not ctx.has_consent(conv.visitor.id, "follow_up_email"):
        return False
    visitor = ctx.visitor(conv.visitor.id) or conv.visitor
    if not visitor.verified and _ignored_before(ctx, visitor.id):
        ctx.logger.info("survey of conversation %s not mailed: unconfirmed address", conv.id)
        return False
    session = ctx.db_session
    survey = new_survey(ctx, conv, cfg, TRIGGERS[when])
    ttl = cfg.email_link_days * 86400
    if visitor.verified:
        subject, text, body = _survey_mail(ctx, survey, cfg, ttl)
    else:
        survey.address_confirmed = False
        subject, text, body = _confirmation_mail(ctx, survey, cfg, ttl)
    try:
        ctx.send_mail(visitor, subject, text, body)
    except PluginError as exc:  # no address, mail off: ask in the widget instead
        session.rollback()
        ctx.logger.info("survey of conversation %s not mailed: %s", conversation_id, exc.code)
        return False
    mail = "survey" if visitor.verified else "confirmation"
    details = {"trigger": survey.trigger, "survey_id": survey.id, "mail": mail}
    ctx.audit("survey_mailed", "conversation", conv.id, {**details, "site_id": conv.site_id})
    session.commit()
    return True


def link_url(ctx: PluginContext, token: str, locale: str | None) -> str:
    """A link of the mail: the signed token, and the mail's language (``lang``), so that even
    an expired or damaged link opens a page in that language."""
    return ctx.url_for(ENDPOINT, token=token, lang=strings.language(locale))


def _survey_mail(
    ctx: PluginContext, survey: Survey, cfg: SiteConfig, ttl: int
) -> tuple[str, str, str]:
    """Subject, text and HTML of the survey mail: one signed link per score."""
    locale = cfg.speaks(survey.locale)
    question = cfg.question(locale)
    low, high = SCALE_RANGE[survey.scale]
    links = [
        (strings.score_label(locale, survey.scale, n), link_url(ctx, token, locale))
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
    return strings.text(locale, "subject"), text, body


def _confirmation_mail(
    ctx: PluginContext, survey: Survey, cfg: SiteConfig, ttl: int
) -> tuple[str, str, str]:
    """Subject, text and HTML of the mail to a typed address: who asked, one link to the
    survey (answering it confirms the address), and "ignore this if it was not you"."""
    locale = cfg.speaks(survey.locale)
    url = link_url(ctx, ctx.sign(f"{survey.id}:{CONFIRM}", ttl), locale)
    lines = [
        strings.text(locale, "confirm_intro", site=_site_name(ctx, survey.site_id)),
        strings.text(locale, "confirm_link", days=cfg.email_link_days),
        strings.text(locale, "confirm_ignore"),
    ]
    text = "\n\n".join([lines[0], f"{lines[1]}\n{url}", lines[2]])
    lang, dir_ = strings.language(locale), strings.direction(locale)
    body = (
        f'<div lang="{lang}" dir="{dir_}"><p>{html.escape(lines[0])}</p>'
        f'<p>{html.escape(lines[1])}<br><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
        f"<p>{html.escape(lines[2])}</p></div>"
    )
    return strings.text(locale, "confirm_subject"), text, body
