"""The listener that learns and offers: it records visitor questions, notices a chip being
picked (a ``pick`` block on the visitor's message, which the widget adds), offers chips after each bot answer (a bot message citing an article: a ``card``
block), and marks conversations resolved (closed without a hand-off) or thumbed up."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import Event, EventListener, PluginContext
from chinwag_plugin_api.events import ConversationEvent, MessageStored
from sqlalchemy import select, update

from chinwag_suggest.events import SuggestionClicked, SuggestionShown
from chinwag_suggest.models import PendingAnswer, Question, Suggestion, View, question_key
from chinwag_suggest.pick import pick

#: a visitor message shorter than this many words is not taken for a question ("yes", "ok")
MIN_WORDS = 2
#: the feedback plugin's rating event (typed plugin events); a thumbs up weighs a question more
RATING_EVENT = "feedback.rating_given"
#: the consent purpose that tailoring chips to a visitor's attributes (segments) needs
PERSONALISATION = "personalisation"


def publish(ctx: PluginContext, event: Event) -> None:
    """Hand a typed event to the app's bus (``ctx.publish``, the plugin-events piece of the
    API); until that piece is in the running Chinwag the event is only logged."""
    poster = getattr(ctx, "publish", None)
    if poster is None:
        ctx.logger.debug("ctx.publish is not available; %s not published", event.name)
        return
    poster(event)


def personal_attributes(ctx: PluginContext, visitor_id: int) -> dict[str, Any]:
    """The visitor's attributes the segments may read: none (the generic chips) unless the
    visitor may be personalised for (``ctx.has_consent(..., "personalisation")``: always on a
    site that does not require consent; on one that does, only with that purpose granted)."""
    visitor = ctx.visitor(visitor_id)
    if visitor is None or not ctx.has_consent(visitor_id, PERSONALISATION):
        return {}
    return dict(visitor.attributes)


class Learner(EventListener):
    events = (
        "message.stored",
        "conversation.closed",
        "conversation.handed_off",
        RATING_EVENT,
    )

    def handle(self, ctx: PluginContext, event: Event) -> None:
        if isinstance(event, MessageStored):
            if event.message.author_kind == "visitor":
                self._visitor_message(ctx, event)
            elif event.message.author_kind == "bot" and any(
                b.get("type") == "card" for b in event.message.blocks
            ):
                self._bot_answer(ctx, event)
        elif isinstance(event, ConversationEvent) and event.name == "conversation.handed_off":
            self._mark(ctx, event.conversation_id, handed_off=True)
        elif isinstance(event, ConversationEvent) and event.name == "conversation.closed":
            self._resolve(ctx, event.conversation_id)
        elif event.name == RATING_EVENT:
            self._rated(ctx, event)

    def _visitor_message(self, ctx: PluginContext, event: MessageStored) -> None:
        text = " ".join(event.message.text.split())
        if not text or event.site_id is None:
            return
        key = question_key(text)
        session = ctx.db_session
        # a chip picked says so: a ``pick`` block names the message that offered it (a message
        # typed with a chip's text is no pick); page chips are reported apart (chinwag_suggest.chips)
        offers = [
            b["message_id"]
            for b in event.message.blocks
            if b.get("type") == "pick" and isinstance(b.get("message_id"), int)
        ]
        picked = None
        if offers:
            picked = session.execute(
                select(View)
                .join(Suggestion, Suggestion.id == View.suggestion_id)
                .where(
                    View.conversation_id == event.conversation_id,
                    View.offered_in.in_(offers),
                    View.clicked.is_(False),
                    Suggestion.key == key,
                )
                .order_by(View.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        if picked is not None:
            picked.clicked = True
        if len(text.split()) >= MIN_WORDS and len(text) <= 200:
            session.add(
                Question(
                    site_id=event.site_id,
                    conversation_id=event.conversation_id,
                    visitor_id=event.visitor_id,
                    message_id=event.message.id,
                    key=key,
                    text=text,
                )
            )
        pending = None
        for row in session.execute(
            select(PendingAnswer).where(PendingAnswer.conversation_id == event.conversation_id)
        ).scalars():
            if row.message_id > event.message.id and pending is None:
                pending = row
            session.delete(row)  # earlier ones answered a message too short to learn from
        session.commit()
        if pending is not None:
            self._offer(
                ctx, event.site_id, event.conversation_id, event.visitor_id, pending.message_id
            )
        if picked is not None:
            publish(
                ctx,
                SuggestionClicked(
                    site_id=event.site_id,
                    conversation_id=event.conversation_id,
                    visitor_id=event.visitor_id,
                    suggestion_id=picked.suggestion_id,
                ),
            )

    def _bot_answer(self, ctx: PluginContext, event: MessageStored) -> None:
        if event.site_id is None:
            return
        session = ctx.db_session
        if not self._answers_latest(ctx, event):
            # the question it answers has not reached this listener yet: its arrival offers
            session.add(
                PendingAnswer(conversation_id=event.conversation_id, message_id=event.message.id)
            )
            session.commit()
            return
        self._offer(ctx, event.site_id, event.conversation_id, event.visitor_id, event.message.id)

    def _answers_latest(self, ctx: PluginContext, event: MessageStored) -> bool:
        """Whether the newest question recorded is still unanswered (so this answers it)."""
        last = ctx.db_session.execute(
            select(Question)
            .where(
                Question.conversation_id == event.conversation_id,
                Question.message_id < event.message.id,
            )
            .order_by(Question.message_id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return last is not None and not last.answered

    def _offer(
        self,
        ctx: PluginContext,
        site_id: int,
        conversation_id: int,
        visitor_id: int,
        answer_id: int,
    ) -> None:
        """Mark the question the bot answered and offer chips after the answer."""
        session = ctx.db_session
        asked = list(
            session.execute(
                select(Question)
                .where(Question.conversation_id == conversation_id)
                .order_by(Question.message_id)
            ).scalars()
        )
        before = [q for q in asked if q.message_id < answer_id]
        last = before[-1] if before else None
        if last is not None:
            last.answered = True
        chips = pick(
            session,
            site_id,
            last.key if last else None,
            [q.text for q in asked],
            ctx.settings["segments"],
            personal_attributes(ctx, visitor_id),
            int(ctx.settings["max_chips"]),
        )
        session.commit()
        if not chips:
            return
        block = {"type": "suggestions", "items": [c.text for c in chips]}
        offered = ctx.post_message(conversation_id, str(ctx.settings["chips_intro"]), (block,))
        for chip in chips:
            session.add(
                View(
                    site_id=site_id,
                    suggestion_id=chip.id,
                    conversation_id=conversation_id,
                    visitor_id=visitor_id,
                    offered_in=offered.id,
                )
            )
        session.commit()
        publish(
            ctx,
            SuggestionShown(
                site_id=site_id,
                conversation_id=conversation_id,
                visitor_id=visitor_id,
                suggestion_ids=tuple(c.id for c in chips),
            ),
        )

    def _mark(self, ctx: PluginContext, conversation_id: int, **values: Any) -> None:
        ctx.db_session.execute(
            update(Question).where(Question.conversation_id == conversation_id).values(**values)
        )
        ctx.db_session.commit()

    def _resolve(self, ctx: PluginContext, conversation_id: int) -> None:
        """Closed without people: the bot's answers resolved it."""
        session = ctx.db_session
        handed = session.execute(
            select(Question.id).where(
                Question.conversation_id == conversation_id, Question.handed_off.is_(True)
            )
        ).first()
        if handed is not None:
            return
        session.execute(
            update(Question)
            .where(Question.conversation_id == conversation_id, Question.answered.is_(True))
            .values(resolved=True)
        )
        session.execute(
            update(View)
            .where(View.conversation_id == conversation_id, View.clicked.is_(True))
            .values(resolved=True)
        )
        session.commit()

    def _rated(self, ctx: PluginContext, event: Event) -> None:
        """A thumbs up on a bot answer weighs the question it answered (and resolves it): the
        newest answered question before the rated message (``message_id``), not a later one.
        One answer counts once however often it is rated up, and a rating changed to down
        takes the extra weight back (the feedback plugin lets a visitor change a rating)."""
        conversation_id = getattr(event, "conversation_id", None)
        value = str(getattr(event, "value", "") or getattr(event, "rating", ""))
        up = value in ("up", "positive", "1", "true", "helpful")
        if conversation_id is None or not (up or value in ("down", "negative", "0", "false")):
            return
        session = ctx.db_session
        query = select(Question).where(
            Question.conversation_id == int(conversation_id), Question.answered.is_(True)
        )
        rated = getattr(event, "message_id", None)
        if isinstance(rated, int):
            query = query.where(Question.message_id < rated)
        last = session.execute(
            query.order_by(Question.message_id.desc()).limit(1)
        ).scalar_one_or_none()
        if last is not None:
            last.thumbs_up = 1 if up else 0
            last.resolved = last.resolved or up
            session.commit()
