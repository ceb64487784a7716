"""What happens when a visitor rates an answer or answers a survey, and when a survey is asked.

Every check answers with a :class:`PluginError` whose code is stable (docs/feedback.md lists
them); nothing is stored before every check passed, and a rating or survey answer is one row
(unique per answer / per conversation), so it is never counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chinwag_plugin_api import (
    Action,
    Button,
    Component,
    ConversationView,
    MessageView,
    Model,
    Option,
    PluginContext,
    PluginError,
    SingleSelect,
    Submit,
    Text,
    Textarea,
    components_reply,
    prompt_payload,
)
from chinwag_plugin_api.events import MessageStored, StoredMessage
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chinwag_feedback import integration, strings
from chinwag_feedback.events import CsatAnswered, RatingGiven
from chinwag_feedback.models import Answer, AnswerLink, Rating, Survey, Thread, now
from chinwag_feedback.plugin import SCALE_RANGE, SiteConfig, site_config

RATE_EVENT = "feedback.rate"
CSAT_EVENT = "feedback.csat"
PROMPT_EVENT = "feedback.survey"

#: the longest article URL / title kept of a bot answer's card blocks
URL_MAX, TITLE_MAX = 500, 200


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def config(ctx: PluginContext, site_id: int) -> SiteConfig:
    return site_config(ctx.settings, site_id)


# -- learning answers and conversations (from events) --------------------------------------------


def _agent_of(ctx: PluginContext, conversation_id: int) -> int | None:
    conv = ctx.conversation(conversation_id)
    if conv is None or not conv.assignee_id or not conv.assignee_id.isdigit():
        return None
    return int(conv.assignee_id)


def _team_of(ctx: PluginContext, conversation_id: int) -> int | None:
    conv = ctx.conversation(conversation_id)
    return conv.team_id if conv is not None else None


def _locale_of(ctx: PluginContext, visitor_id: int) -> str | None:
    """The site's ``locale`` / ``language`` attribute, else the browser's (``VisitorRef.locale``)."""
    visitor = ctx.visitor(visitor_id)
    if visitor is None:
        return None
    value = visitor.attributes.get("locale") or visitor.attributes.get("language") or visitor.locale
    return str(value)[:35] if value else None


def _links(msg: StoredMessage | MessageView) -> dict[str, str]:
    """``{url: title}`` of the articles a bot answer links as ``card`` blocks (the answer bot
    links every knowledge-base article it quotes that way)."""
    found: dict[str, str] = {}
    for block in msg.blocks:
        url = block.get("url")
        if block.get("type") == "card" and isinstance(url, str) and 0 < len(url) <= URL_MAX:
            found.setdefault(url, str(block.get("title") or "")[:TITLE_MAX])
    return found


def _insert_new(session: Session, model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` of ``model`` but those whose key is already stored (by another worker
    too: the listener and a rating may learn the same answer at the same moment)."""
    if rows:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(model).values(rows).on_conflict_do_nothing())


def _record_answer(
    ctx: PluginContext,
    msg: StoredMessage | MessageView,
    site_id: int,
    visitor_id: int,
    agent_id: int | None,
) -> None:
    """Remember the answer ``msg`` (and a bot answer's articles) once, however often and by
    whomever it is learnt; not committed."""
    session = ctx.db_session
    row = {
        "message_id": msg.id,
        "conversation_id": msg.conversation_id,
        "site_id": site_id,
        "visitor_id": visitor_id,
        "author_kind": msg.author_kind,
        "agent_id": agent_id,
        "excerpt": (msg.text or "")[:200],
        "created_at": _aware(msg.created_at),
    }
    _insert_new(session, Answer, [row])
    if msg.author_kind == "bot":
        links = [
            {"message_id": msg.id, "url": url, "title": title, "site_id": site_id}
            for url, title in _links(msg).items()
        ]
        _insert_new(session, AnswerLink, links)


def track_message(ctx: PluginContext, event: MessageStored) -> None:
    """Remember an answer that may be rated, and when the conversation last moved."""
    session = ctx.db_session
    msg = event.message
    site_id = event.site_id or 0
    thread = session.get(Thread, event.conversation_id)
    if thread is None:
        thread = Thread(
            conversation_id=event.conversation_id,
            site_id=site_id,
            visitor_id=event.visitor_id,
            locale=_locale_of(ctx, event.visitor_id),
            survey_due=False,
        )
        session.add(thread)
    answer = msg.author_kind in ("bot", "agent")
    agent_id = _agent_of(ctx, event.conversation_id) if msg.author_kind == "agent" else None
    if agent_id is not None:
        thread.agent_id = agent_id
    thread.last_message_at = _aware(msg.created_at)
    thread.last_author_kind = msg.author_kind
    thread.survey_due = answer and config(ctx, site_id).ask == "after_idle"
    if answer:  # a visitor may have rated it already (``_learn_rated``)
        _record_answer(ctx, msg, site_id, event.visitor_id, agent_id)
    session.commit()


# -- ratings --------------------------------------------------------------------------------------


def _thumbs(
    value: str | None, locale: str | None = None, site_locale: str | None = None
) -> tuple[Component, ...]:
    """👍 / 👎, their accessible names in the visitor's language (``locale``). Declared for a
    whole site (``site_locale``: its default, no visitor known), they carry every shipped
    language and the core names them in each visitor's."""
    rate = Action(RATE_EVENT)
    if site_locale is not None:
        up: str = strings.localized("helpful", site_locale)
        down: str = strings.localized("not_helpful", site_locale)
    else:
        up, down = strings.text(locale, "helpful"), strings.text(locale, "not_helpful")
    return (
        Button("👍", rate.with_payload(value="up"), label=up, pressed=value == "up"),
        Button("👎", rate.with_payload(value="down"), label=down, pressed=value == "down"),
    )


def _reason_picker(cfg: SiteConfig, locale: str | None) -> SingleSelect:
    options = tuple(Option(code, text) for code, text in cfg.reason_options(locale).items())
    label = strings.text(cfg.speaks(locale), "what_wrong")
    return SingleSelect("reason", label, options, Action(RATE_EVENT, {"step": "reason"}))


def _comment(data: Mapping[str, Any], cfg: SiteConfig) -> str | None:
    text = str((data.get("values") or {}).get("comment") or "").strip()
    if len(text) > cfg.max_comment:
        raise PluginError(
            f"The comment is too long (at most {cfg.max_comment} characters).",
            "comment_too_long",
            400,
        )
    return text or None


def _learn_rated(
    ctx: PluginContext, message_id: int, conversation_id: Any, actor: Mapping[str, Any]
) -> Answer:
    """The answer ``message_id`` of the visitor's conversation ``conversation_id``, read from the
    core and recorded as the listener records it, when the site lets visitors rate it; else the
    error the rating gets. Nothing is stored before every check passed."""
    refused = PluginError("This message cannot be rated.", "not_rateable", 404)
    conv = ctx.conversation(conversation_id) if isinstance(conversation_id, int) else None
    if conv is None:
        raise refused
    try:
        found = ctx.recent_messages(conv.id, limit=1, until_id=message_id)
    except LookupError:  # not a message of this conversation
        raise refused from None
    msg = found[-1]
    if actor.get("kind") != "visitor" or conv.visitor.id != actor.get("id"):
        raise PluginError("You can only rate answers in your own conversations.", "not_yours", 403)
    rateable = ("bot", "agent") if config(ctx, conv.site_id).rate_agent_answers else ("bot",)
    if msg.id != message_id or msg.author_kind not in rateable:
        raise refused
    agent_id = _agent_of(ctx, conv.id) if msg.author_kind == "agent" else None
    _record_answer(ctx, msg, conv.site_id, conv.visitor.id, agent_id)
    answer = ctx.db_session.get(Answer, message_id)
    if answer is None:  # pragma: no cover - inserted just above, or by the listener
        raise refused
    return answer


def _rated_answer(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> Answer:
    message_id = data.get("message_id")
    if not isinstance(message_id, int):
        raise PluginError("Say which answer you rate (message_id).", "message_required", 400)
    answer = ctx.db_session.get(Answer, message_id)
    if answer is None:  # rated before the listener learnt it (a fast click, a busy server)
        answer = _learn_rated(ctx, message_id, data.get("conversation_id"), actor)
    if actor.get("kind") != "visitor" or answer.visitor_id != actor.get("id"):
        raise PluginError("You can only rate answers in your own conversations.", "not_yours", 403)
    conversation_id = data.get("conversation_id")
    if conversation_id is not None and conversation_id != answer.conversation_id:
        raise PluginError("This answer belongs to another conversation.", "wrong_conversation", 400)
    cfg = config(ctx, answer.site_id)
    if answer.author_kind == "agent" and not cfg.rate_agent_answers:
        raise PluginError("This message cannot be rated.", "not_rateable", 404)
    return answer


def rate(ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]) -> dict[str, Any]:
    """The ``feedback.rate`` socket event: thumbs, then a reason, then a comment."""
    answer = _rated_answer(ctx, data, actor)
    cfg = config(ctx, answer.site_id)
    session = ctx.db_session
    payload = data.get("payload") or {}
    step = payload.get("step", "")
    value = payload.get("value")
    rating = session.execute(
        select(Rating).where(Rating.message_id == answer.message_id)
    ).scalar_one_or_none()
    stamp = now()
    if rating is not None and stamp - _aware(rating.created_at) > timedelta(
        minutes=cfg.change_minutes
    ):
        raise PluginError("This rating can no longer be changed.", "rating_locked", 409)
    thread = session.get(Thread, answer.conversation_id)
    # rated before the listener learnt the conversation: the visitor's locale all the same
    locale = thread.locale if thread else _locale_of(ctx, answer.visitor_id)
    speaks = cfg.speaks(locale)  # the replies' own words: theirs, else the site's default
    reply: dict[str, Any]
    if step == "":
        if value not in ("up", "down"):
            raise PluginError("Rate with up or down.", "invalid_value", 400)
        if rating is None:
            rating = Rating(
                message_id=answer.message_id,
                conversation_id=answer.conversation_id,
                visitor_id=answer.visitor_id,
                site_id=answer.site_id,
                agent_id=answer.agent_id,
                team_id=_team_of(ctx, answer.conversation_id),
                author_kind=answer.author_kind,
                locale=locale,
                value=value,
                created_at=stamp,
            )
            session.add(rating)
        elif rating.value != value:
            rating.value, rating.reason, rating.comment = value, None, None
        if value == "up":
            reply = components_reply(
                Text(strings.text(speaks, "thanks_rating")), *_thumbs("up", speaks)
            )
        else:
            # the reason picker first: focus moves to the first control of the reply
            reply = components_reply(_reason_picker(cfg, locale), *_thumbs("down", speaks))
    elif step in ("reason", "comment"):
        if rating is None or rating.value != "down":
            raise PluginError("Rate the answer down first.", "not_rated", 409)
        if step == "reason":
            reason = str((data.get("values") or {}).get("reason") or "")
            if reason not in cfg.reason_options(locale) and reason not in cfg.all_reason_codes():
                raise PluginError("Pick one of the listed reasons.", "invalid_reason", 400)
            rating.reason = reason
            label = cfg.reason_options(locale).get(reason, reason)
            reply = components_reply(
                Text(strings.text(speaks, "reason", reason=label)),
                Textarea("comment", strings.text(speaks, "add_comment")),
                Submit(
                    strings.text(speaks, "send_feedback"), Action(RATE_EVENT, {"step": "comment"})
                ),
            )
        else:
            rating.comment = _comment(data, cfg)
            reply = {"done": strings.text(speaks, "done_down")}
    else:
        raise PluginError("Unknown step.", "invalid_value", 400)
    rating.updated_at = stamp
    session.flush()
    event = RatingGiven(
        site_id=rating.site_id,
        rating_id=rating.id,
        conversation_id=rating.conversation_id,
        visitor_id=rating.visitor_id,
        message_id=rating.message_id,
        author_kind=rating.author_kind,
        agent_id=rating.agent_id,
        value=rating.value,
        reason=rating.reason,
        has_comment=bool(rating.comment),
        locale=rating.locale,
    )
    integration.publish(ctx, event)
    session.commit()
    _annotate_rating(ctx, rating, cfg)
    return reply


def _annotate_rating(ctx: PluginContext, rating: Rating, cfg: SiteConfig) -> None:
    up = rating.value == "up"
    label = "👍 Helpful" if up else "👎 Not helpful"
    if rating.reason:
        label += f": {cfg.reason_options(rating.locale).get(rating.reason, rating.reason)}"
    tone = "positive" if up else "negative"
    integration.annotate(
        ctx,
        rating.conversation_id,
        "rating",
        label=label,
        message_id=rating.message_id,
        tone=tone,
        detail=rating.comment,
    )
    integration.annotate(ctx, rating.conversation_id, "rating", label=label, tone=tone)


# -- surveys --------------------------------------------------------------------------------------


def _score_options(scale: str, locale: str | None) -> tuple[Option, ...]:
    if scale == "nps":
        return tuple(Option(str(n), str(n)) for n in range(0, 11))
    order = (1, 0) if scale == "thumbs" else range(1, 6)
    return tuple(Option(str(n), strings.score_label(locale, scale, n)) for n in order)


def survey_components(survey: Survey, cfg: SiteConfig) -> tuple[Component, ...]:
    """The survey card in the visitor's language (the same strings as the mailed survey)."""
    locale = cfg.speaks(survey.locale)
    parts: list[Component] = []
    if survey.scale == "nps":
        parts.append(Text(strings.text(locale, "nps_hint"), style="muted"))
    parts += [
        SingleSelect(
            "score", strings.text(locale, "your_rating"), _score_options(survey.scale, locale)
        ),
        Textarea("comment", cfg.follow_up(locale)),
        Submit(strings.text(locale, "send"), Action(CSAT_EVENT, {"survey": str(survey.id)})),
    ]
    return tuple(parts)


def survey_asked(ctx: PluginContext, conversation_id: int) -> bool:
    """Whether the conversation's one survey was already asked (in the widget or by mail)."""
    found = ctx.db_session.execute(
        select(Survey.id).where(Survey.conversation_id == conversation_id)
    ).first()
    return found is not None


def new_survey(ctx: PluginContext, conv: ConversationView, cfg: SiteConfig, trigger: str) -> Survey:
    """Add the conversation's survey row (not committed): asked now, ``trigger`` says how."""
    session = ctx.db_session
    thread = session.get(Thread, conv.id)
    if thread is not None:
        thread.survey_due = False
    agent = _agent_of(ctx, conv.id)
    survey = Survey(
        conversation_id=conv.id,
        visitor_id=conv.visitor.id,
        site_id=conv.site_id,
        agent_id=agent if agent is not None else (thread.agent_id if thread else None),
        team_id=conv.team_id,
        locale=thread.locale if thread else _locale_of(ctx, conv.visitor.id),
        scale=cfg.scale,
        trigger=trigger,
        asked_at=now(),
    )
    session.add(survey)
    session.flush()
    return survey


def ask_survey(ctx: PluginContext, conversation_id: int, trigger: str) -> Survey | None:
    """Ask the conversation's survey, at most once; None when the site does not ask this way."""
    session = ctx.db_session
    conv = ctx.conversation(conversation_id)
    if conv is None:
        return None
    cfg = config(ctx, conv.site_id)
    if not cfg.enabled or cfg.ask != trigger:
        return None
    if survey_asked(ctx, conversation_id):
        return None
    survey = new_survey(ctx, conv, cfg, trigger)
    session.commit()
    ctx.emit(
        conversation_id,
        PROMPT_EVENT,
        prompt_payload(
            f"survey-{survey.id}", cfg.question(survey.locale), *survey_components(survey, cfg)
        ),
    )
    return survey


def classify(scale: str, score: int) -> tuple[bool, str | None]:
    """Whether a score counts as satisfied, and its NPS class."""
    if scale == "nps":
        cls = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        return score >= 9, cls
    if scale == "thumbs":
        return score == 1, None
    return score >= 4, None


def answer_survey(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``feedback.csat`` socket event: the survey's score and comment."""
    session = ctx.db_session
    raw = str((data.get("payload") or {}).get("survey") or "")
    survey: Survey | None = None
    if raw.isdigit():
        survey = session.get(Survey, int(raw))
    elif isinstance(data.get("conversation_id"), int):
        survey = session.execute(
            select(Survey).where(Survey.conversation_id == data["conversation_id"])
        ).scalar_one_or_none()
    if survey is None or actor.get("kind") != "visitor" or survey.visitor_id != actor.get("id"):
        raise PluginError("No survey was asked in this conversation.", "survey_not_asked", 404)
    conversation_id = data.get("conversation_id")
    if conversation_id is not None and conversation_id != survey.conversation_id:
        raise PluginError("This survey belongs to another conversation.", "wrong_conversation", 400)
    if survey.answered_at is not None:
        raise PluginError("This survey was already answered.", "already_answered", 409)
    cfg = config(ctx, survey.site_id)
    low, high = SCALE_RANGE[survey.scale]
    text = str((data.get("values") or {}).get("score") or "").strip()
    if not text:
        raise PluginError("Pick a rating first.", "score_required", 400)
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise PluginError(
            f"The rating must be a whole number from {low} to {high}.", "score_out_of_range", 400
        )
    score = int(text)
    comment = _comment(data, cfg)
    survey.score = score
    survey.satisfied, survey.nps_class = classify(survey.scale, score)
    survey.comment = comment
    survey.answered_at = now()
    session.flush()
    integration.publish(
        ctx,
        CsatAnswered(
            site_id=survey.site_id,
            survey_id=survey.id,
            conversation_id=survey.conversation_id,
            visitor_id=survey.visitor_id,
            agent_id=survey.agent_id,
            scale=survey.scale,
            score=score,
            satisfied=bool(survey.satisfied),
            nps_class=survey.nps_class,
            has_comment=bool(comment),
            locale=survey.locale,
            trigger=survey.trigger,
        ),
    )
    session.commit()
    label = {"stars": f"CSAT {score}/5", "faces": f"CSAT {score}/5", "nps": f"NPS {score}/10"}.get(
        survey.scale, "CSAT 👍" if score else "CSAT 👎"
    )
    integration.annotate(
        ctx,
        survey.conversation_id,
        "csat",
        label=label,
        tone="positive" if survey.satisfied else "negative",
        detail=comment,
    )
    return {"done": strings.text(cfg.speaks(survey.locale), "thanks")}
