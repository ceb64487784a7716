"""The page a mailed survey's link opens (``GET``/``POST /api/v1/feedback/mail-survey``), in
every state: the survey (the chosen score, or a pick of scores on a confirmation link), the
same form again with what to fix (no score picked, comment too long), the thank-you page, and
the dead ends (link expired or damaged, survey already answered).

**Every state speaks the visitor's language**, right to left for Arabic: the survey's locale
(as the site speaks it: :meth:`SiteConfig.speaks`) when the link is valid; otherwise the link
says nothing the page may trust, so the language comes from the link's ``lang`` (the mail's
language, :func:`chinwag_feedback.mail_survey.link_url`; choosing a language is all it
does), else from the browser's ``Accept-Language`` (mails sent before links carried
``lang``), else English.

Every page is one ``main`` landmark with one ``h1``; its ``<title>`` names the state (an error
first), and a refused answer is said in a ``role="alert"`` paragraph the fields it concerns
point to (``aria-describedby``), with the visitor's score and comment kept. No script, no
asset: the page works in any mail client's browser.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from chinwag_plugin_api import PluginContext, PluginError

from chinwag_feedback import strings
from chinwag_feedback.mail_survey import CONFIRM, TRIGGERS
from chinwag_feedback.models import Survey
from chinwag_feedback.plugin import SCALE_RANGE
from chinwag_feedback.service import answer_survey, config

#: error code -> its string key (those the visitor fixes on the form again are in FIXABLE)
MESSAGES = {
    "already_answered": "answered",
    "link_expired": "expired",
    "score_required": "score_required",
    "score_out_of_range": "score_required",
    "comment_too_long": "comment_too_long",
}
FIXABLE = frozenset({"score_required", "score_out_of_range", "comment_too_long"})
#: between what went wrong and the page's heading in a ``<title>``
DASH = "\N{EN DASH}"


def page_language(asked: str, accepted: Iterable[str]) -> str | None:
    """The language a page asks for when its link cannot say: the link's ``lang`` if the
    plugin ships it, else the first shipped one of the browser's languages (``accepted``, best
    first; ``pt-BR`` matches ``pt``), else None (English)."""
    for tag in (asked, *accepted):
        code = str(tag).replace("_", "-").split("-")[0].strip().lower()
        if code in strings.STRINGS:
            return code
    return None


def _linked(ctx: PluginContext, token: str) -> tuple[Survey | None, str]:
    """The mailed survey a link names and the link's score part (``"4"``, ``"confirm"``), or
    ``(None, "")`` for a forged, expired or foreign link."""
    raw = ctx.verify(token) if token else None
    survey_id, _, part = (raw or "").partition(":")
    survey = ctx.db_session.get(Survey, int(survey_id)) if survey_id.isdigit() else None
    if survey is None or survey.trigger not in TRIGGERS.values():
        return None, ""
    return survey, part


def _score_of(survey: Survey | None, part: str) -> int | None:
    """The link's score (None: a confirmation link, scored on the page); raises the page's
    dead ends."""
    confirming = part == CONFIRM
    if (
        survey is None
        or not (confirming or part.lstrip("-").isdigit())
        # a score link only of a survey mailed to a verified identity, a confirmation link
        # only of one mailed to a typed address
        or confirming != (survey.address_confirmed is not None)
    ):
        raise PluginError("This survey link is invalid or has expired.", "link_expired", 410)
    if survey.answered_at is not None:
        raise PluginError("This survey was already answered.", "already_answered", 409)
    return None if confirming else int(part)


def _speaks(ctx: PluginContext, survey: Survey | None, hint: str | None) -> str | None:
    return config(ctx, survey.site_id).speaks(survey.locale) if survey is not None else hint


def _message(
    ctx: PluginContext, survey: Survey | None, locale: str | None, exc: PluginError
) -> str:
    """What went wrong, in the page's language."""
    key = MESSAGES.get(exc.code)
    if key is None:
        return exc.message
    n = config(ctx, survey.site_id).max_comment if survey is not None else 0
    message: str = strings.text(locale, key, n=n)
    return message


def open_link(ctx: PluginContext, token: str, hint: str | None = None) -> tuple[str, int]:
    """The page a link opens (``hint``: :func:`page_language`): the survey's form, or why
    there is none."""
    survey, part = _linked(ctx, token)
    locale = _speaks(ctx, survey, hint)
    try:
        score = _score_of(survey, part)
    except PluginError as exc:
        return _dead_end(ctx, survey, locale, exc), exc.status
    assert survey is not None  # _score_of raised otherwise
    return _form(ctx, survey, score, token, locale), 200


def submit_link(
    ctx: PluginContext, token: str, comment: str, picked: str = "", hint: str | None = None
) -> tuple[str, int]:
    """Record the link's score (a confirmation link's: the one ``picked`` on the page) and
    comment as the survey's answer, once; answering through a confirmation link confirms the
    address it was mailed to. A score or comment to fix shows the form again."""
    survey, part = _linked(ctx, token)
    locale = _speaks(ctx, survey, hint)
    score: int | None = None
    try:
        score = _score_of(survey, part)
        assert survey is not None
        data: dict[str, Any] = {
            "payload": {"survey": str(survey.id)},
            "values": {"score": picked if score is None else str(score), "comment": comment},
        }
        done = answer_survey(ctx, data, {"kind": "visitor", "id": survey.visitor_id})
    except PluginError as exc:
        if survey is not None and exc.code in FIXABLE:
            error = (exc.code, _message(ctx, survey, locale, exc))
            page = _form(ctx, survey, score, token, locale, error, comment[:10_000], picked)
            return page, exc.status
        return _dead_end(ctx, survey, locale, exc), exc.status
    if survey.address_confirmed is False:
        survey.address_confirmed = True
        ctx.db_session.commit()
    title = strings.text(locale, "thanks_title")
    return _page(locale, title, title, f'<p role="status">{html.escape(done["done"])}</p>'), 200


def _dead_end(
    ctx: PluginContext, survey: Survey | None, locale: str | None, exc: PluginError
) -> str:
    message = _message(ctx, survey, locale, exc)
    heading = strings.text(locale, "page_title")
    return _page(locale, f"{message} {DASH} {heading}", heading, f"<p>{html.escape(message)}</p>")


def _form(
    ctx: PluginContext,
    survey: Survey,
    score: int | None,
    token: str,
    locale: str | None,
    error: tuple[str, str] | None = None,
    comment: str = "",
    picked: str = "",
) -> str:
    """The survey's form; ``error`` (code, message) says what to fix, before the fields."""
    cfg = config(ctx, survey.site_id)
    question = html.escape(cfg.question(locale))
    on_score = error is not None and error[0] != "comment_too_long"
    on_comment = error is not None and not on_score
    alert = f'<p id="fb-error" role="alert">{html.escape(error[1])}</p>' if error else ""
    if score is None:  # a typed address's link: the visitor picks the score here
        low, high = SCALE_RANGE[survey.scale]
        radios = "".join(
            f'<label><input type="radio" name="score" value="{n}" required'
            + (" checked" if picked == str(n) else "")
            + (' aria-invalid="true"' if on_score else "")
            + f"> {html.escape(strings.score_label(locale, survey.scale, n))}</label><br>"
            for n in range(low, high + 1)
        )
        described = ' aria-describedby="fb-error"' if on_score else ""
        rating = f"<fieldset{described}><legend>{question}</legend>{radios}</fieldset>"
        note = f"<p>{html.escape(strings.text(locale, 'page_confirm'))}</p>"
        send = strings.text(locale, "page_confirm_send")
    else:
        label = html.escape(strings.score_label(locale, survey.scale, score))
        rating = (
            f"<p>{question}</p>"
            f"<p>{html.escape(strings.text(locale, 'page_rating'))} <strong>{label}</strong></p>"
        )
        note, send = "", strings.text(locale, "page_send")
    invalid = ' aria-invalid="true" aria-describedby="fb-error"' if on_comment else ""
    body = (
        f'{alert}<form method="post">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        f'<input type="hidden" name="lang" value="{strings.language(locale)}">{rating}'
        f'<label for="comment">{html.escape(cfg.follow_up(locale))}</label><br>'
        f'<textarea id="comment" name="comment" rows="4" cols="40" maxlength="{cfg.max_comment}"'
        f"{invalid}>{html.escape(comment)}</textarea><br>{note}"
        f'<button type="submit">{html.escape(send)}</button></form>'
    )
    heading = strings.text(locale, "page_title")
    title = f"{error[1]} {DASH} {heading}" if error else heading
    return _page(locale, title, heading, body)


def _page(locale: str | None, title: str, heading: str, body: str) -> str:
    lang, dir_ = strings.language(locale), strings.direction(locale)
    return (
        f'<!doctype html><html lang="{lang}" dir="{dir_}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><main><h1>{html.escape(heading)}</h1>{body}</main></body></html>"
    )
