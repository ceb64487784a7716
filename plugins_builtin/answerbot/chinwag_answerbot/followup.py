"""The email follow-up offered outside office hours: a prompt card (``Prompts`` feature) with an
email field, answered by the plugin's ``answerbot.followup`` socket event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import (
    ActionSubmit,
    ActorRef,
    Feature,
    PluginContext,
    PluginError,
    Prompts,
    SocketEvent,
    SocketHandlers,
    WidgetFeatures,
)
from marshmallow import ValidationError, validate
from sqlalchemy import select

from chinwag_answerbot.bot import FOLLOWUP_EVENT, PROMPT_EVENT, post_note
from chinwag_answerbot.models import Followup
from chinwag_answerbot.plugin import site_config

_EMAIL = validate.Email(error="That does not look like an email address.")


class FollowupWidget(WidgetFeatures):
    def features(self, ctx: PluginContext, site_id: int) -> Sequence[Feature]:
        if not site_config(ctx.settings, site_id).enabled:
            return []
        return [Prompts(event=PROMPT_EVENT)]


def _conversation_id(payload: Mapping[str, Any]) -> int:
    raw = payload.get("conversation_id") or payload["payload"].get("conversation_id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise PluginError("Which conversation is this for?", "conversation_required", 400) from None


def save_followup(
    ctx: PluginContext, payload: dict[str, Any], actor: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Keep the visitor's address (one per conversation; a second one replaces it) and tell
    the agents in a note."""
    email = str(payload["values"].get("email", "")).strip()
    try:
        if len(email) > 254:
            raise ValidationError("That address is too long.")
        _EMAIL(email)
    except ValidationError as err:
        raise PluginError(" ".join(err.messages), "invalid_email", 400) from None
    conversation_id = _conversation_id(payload)
    who = ActorRef(kind=str(actor["kind"]), id=int(actor["id"]), site_id=actor.get("site_id"))
    conversation = ctx.conversation(conversation_id)
    if conversation is None or not ctx.is_participant(conversation_id, who):
        raise PluginError("No such conversation.", "not_found", 404)
    row = ctx.db_session.execute(
        select(Followup).where(Followup.conversation_id == conversation_id)
    ).scalar_one_or_none()
    if row is None:
        row = Followup(
            site_id=conversation.site_id,
            conversation_id=conversation_id,
            visitor_id=conversation.visitor.id,
            email=email,
        )
        ctx.db_session.add(row)
    row.email = email
    ctx.db_session.commit()
    post_note(ctx, conversation_id, f"The visitor asked for a follow-up by email: {email}")
    return {"done": f"Thanks! We'll write to {email}."}


class FollowupEvents(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent(FOLLOWUP_EVENT, ActionSubmit, save_followup, namespaces=("/widget",))]
