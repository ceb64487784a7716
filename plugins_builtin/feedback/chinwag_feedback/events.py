"""The plugin's typed events, published on the app's bus with ``ctx.publish`` after the rating or
answer is committed (analytics sinks and event listeners receive them like core events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chinwag_plugin_api import Event


@dataclass(frozen=True)
class RatingGiven(Event):
    """A visitor rated an answer, or changed their rating (the same ``rating_id``).

    :param rating_id: the rating's id (the same when it is changed).
    :param conversation_id: the conversation of the rated answer.
    :param visitor_id: the visitor who rated.
    :param message_id: the rated answer.
    :param author_kind: ``bot`` or ``agent``.
    :param agent_id: the agent who answered (None for a bot).
    :param value: ``up`` or ``down``.
    :param reason: the reason code picked on thumbs down, if any.
    :param has_comment: whether the visitor left a comment (the text is not in the event).
    :param locale: the visitor's locale, if known.
    """

    name: ClassVar[str] = "feedback.rating_given"
    rating_id: int
    conversation_id: int
    visitor_id: int
    message_id: int
    author_kind: str
    agent_id: int | None
    value: str
    reason: str | None = None
    has_comment: bool = False
    locale: str | None = None


@dataclass(frozen=True)
class CsatAnswered(Event):
    """A visitor answered (or changed the answer of) the satisfaction survey of a conversation.

    :param survey_id: the survey's id.
    :param conversation_id: the conversation.
    :param visitor_id: the visitor.
    :param agent_id: the agent of the conversation, if any.
    :param scale: ``stars``, ``faces``, ``thumbs`` or ``nps``.
    :param score: the answer on that scale.
    :param satisfied: counted as satisfied in the CSAT score.
    :param nps_class: ``promoter``, ``passive`` or ``detractor`` (NPS only).
    :param has_comment: whether the visitor left a comment.
    :param locale: the visitor's locale, if known.
    :param trigger: how the survey was asked: ``on_close``, ``after_idle`` (in the widget),
        ``email_on_close``, ``email_after_idle`` (mailed).
    """

    name: ClassVar[str] = "feedback.csat_answered"
    survey_id: int
    conversation_id: int
    visitor_id: int
    agent_id: int | None
    scale: str
    score: int
    satisfied: bool
    nps_class: str | None = None
    has_comment: bool = False
    locale: str | None = None
    trigger: str | None = None
