"""What the widget tells of page chips (``Rule.event``, plugin API 1.5): a rule shown (a view of
each of its chips, before any conversation perhaps) and a chip picked (that view clicked, in the
conversation the pick was sent to). Only these count: a message typed with a chip's text is not
a pick, and page chips have a real shown count, so their click-through means something."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import (
    ActionSubmit,
    PluginContext,
    PluginError,
    SocketEvent,
    SocketHandlers,
)
from sqlalchemy import select

from chinwag_suggest.events import SuggestionClicked, SuggestionShown
from chinwag_suggest.models import Suggestion, View, question_key
from chinwag_suggest.pages import for_site, rule_id

#: the socket event page rules name (``Rule.event``)
PAGE_CHIPS_EVENT = "suggest.page_chips"


def _rule(ctx: PluginContext, site_id: int, rid: str) -> list[str]:
    for r in for_site(ctx.settings["pages"], site_id):
        if rule_id(r) == rid:
            return list(r["questions"])
    raise PluginError("This page's suggestions changed; reload the page.", "unknown_rule", 404)


def _item(ctx: PluginContext, site_id: int, text: str) -> Suggestion:
    session = ctx.db_session
    key = question_key(text)
    item = session.execute(
        select(Suggestion).where(Suggestion.site_id == site_id, Suggestion.key == key)
    ).scalar_one_or_none()
    if item is None:
        item = Suggestion(site_id=site_id, key=key, text=text[:200], source="page")
        session.add(item)
        session.flush()
    return item


def page_chips(
    ctx: PluginContext, data: Mapping[str, Any], actor: Mapping[str, Any]
) -> dict[str, Any]:
    """``suggest.page_chips``: ``payload {rule, shown: "1"}`` or ``payload {rule, chip: index}``."""
    visitor = ctx.visitor(int(actor["id"])) if actor.get("kind") == "visitor" else None
    if visitor is None:
        raise PluginError("Only a visitor's widget reports chips.", "not_a_visitor", 403)
    payload = data.get("payload") or {}
    questions = _rule(ctx, visitor.site_id, str(payload.get("rule", "")))
    conversation_id = data.get("conversation_id")
    if conversation_id is not None:
        conv = ctx.conversation(int(conversation_id))
        if conv is None or conv.visitor.id != visitor.id:
            raise PluginError("This is not your conversation.", "not_yours", 403)
    if payload.get("shown") == "1":
        return _shown(ctx, visitor.site_id, visitor.id, conversation_id, questions)
    chip = str(payload.get("chip", ""))
    if not chip.isdigit() or int(chip) >= len(questions):
        raise PluginError("Say which chip was picked (its index).", "unknown_chip", 400)
    if conversation_id is None:
        raise PluginError("A pick belongs to a conversation.", "conversation_required", 400)
    return _picked(ctx, visitor.site_id, visitor.id, int(conversation_id), questions[int(chip)])


def _shown(
    ctx: PluginContext, site_id: int, visitor_id: int, conversation_id: int | None, texts: list[str]
) -> dict[str, Any]:
    items = [_item(ctx, site_id, t) for t in texts]
    items = [i for i in items if not i.hidden]
    for item in items:
        ctx.db_session.add(
            View(
                site_id=site_id,
                suggestion_id=item.id,
                conversation_id=conversation_id,
                visitor_id=visitor_id,
                offered_in=0,
            )
        )
    ctx.db_session.commit()
    if items:
        ctx.publish(
            SuggestionShown(
                site_id=site_id,
                conversation_id=conversation_id,
                visitor_id=visitor_id,
                suggestion_ids=tuple(i.id for i in items),
            )
        )
    return {"ok": True}


def _picked(
    ctx: PluginContext, site_id: int, visitor_id: int, conversation_id: int, text: str
) -> dict[str, Any]:
    session = ctx.db_session
    item = _item(ctx, site_id, text)
    view = session.execute(
        select(View)
        .where(
            View.visitor_id == visitor_id,
            View.suggestion_id == item.id,
            View.offered_in == 0,
            View.clicked.is_(False),
        )
        .order_by(View.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if view is None:  # its shown report was lost (offline): the pick shows it was
        view = View(site_id=site_id, suggestion_id=item.id, visitor_id=visitor_id, offered_in=0)
        session.add(view)
    view.clicked = True
    view.conversation_id = conversation_id
    session.commit()
    ctx.publish(
        SuggestionClicked(
            site_id=site_id,
            conversation_id=conversation_id,
            visitor_id=visitor_id,
            suggestion_id=item.id,
        )
    )
    return {"ok": True}


class ChipEvents(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent(PAGE_CHIPS_EVENT, ActionSubmit, page_chips, namespaces=("/widget",))]
