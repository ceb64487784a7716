"""The responder: answer from the knowledge base, ask whether it helped, hand off to people.

It runs after the visitor's message is stored and acknowledged (the host defers responders to
the event bus), only while no person holds the conversation; ``Reply(handoff=True)`` puts the
conversation in the human queue and the bot stops answering it. Every answer quotes and links a
published article (``knowledge.search``); below the site's threshold the bot says it is not
sure and offers a person instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import (
    Action,
    ConversationView,
    Input,
    MessageView,
    PluginContext,
    Reply,
    Responder,
    Submit,
    Text,
    prompt_payload,
)
from sqlalchemy import select

from chinwag_answerbot import knowledge
from chinwag_answerbot.models import Turn
from chinwag_answerbot.plugin import SiteConfig, site_config

#: the buttons under an answer; the widget sends a button's label as the visitor's message
YES = "Yes, thanks"
NO = "No, it didn't help"
PERSON = "Talk to a person"
ASKED = "Did that answer your question?"
#: the reply to "yes" after an answer
GLAD = "Glad that helped! Ask me anything else here."
#: the plugin event carrying the email follow-up card (a ``Prompts`` feature)
PROMPT_EVENT = "answerbot.prompt"
FOLLOWUP_EVENT = "answerbot.followup"
#: how many articles an answer links (the best one quoted, the others listed)
MAX_LINKS = 3
#: longest quote taken from a passage (the article link has the rest)
MAX_QUOTE = 600

_PERSON = re.compile(
    r"\b(human|person|people|agent|someone|somebody|representative|operator|real person)\b", re.I
)
_YES = re.compile(r"^\s*(yes|yep|yeah|yup|thanks?|thank you|perfect|great|solved|it did)\b", re.I)
_NO = re.compile(r"^\s*(no|nope|not really|nah|it didn'?t|didn'?t help|wrong)\b", re.I)


def now() -> datetime:
    """The current time (a function so tests can move it)."""
    return datetime.now(UTC)


def intent(text: str) -> str:
    """``person``, ``yes``, ``no`` or ``question`` for a visitor's message."""
    t = text.strip()
    low = t.lower()
    if low == PERSON.lower() or (len(t) <= 60 and _PERSON.search(t)):
        return "person"
    if low == YES.lower() or (len(t) <= 40 and _YES.match(t)):
        return "yes"
    if low == NO.lower() or (len(t) <= 40 and _NO.match(t)):
        return "no"
    return "question"


def _buttons(*labels: str) -> dict[str, Any]:
    return {"type": "buttons", "buttons": [{"label": label} for label in labels]}


def _quote(passage: str) -> str:
    text = " ".join(passage.split())
    if len(text) > MAX_QUOTE:
        text = text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + "…"
    return text


def confident(found: Sequence[knowledge.Passage], threshold: float) -> list[knowledge.Passage]:
    """The passages good enough to answer with (empty: the bot is not sure)."""
    return [p for p in found if p.score >= threshold]


def answer_reply(found: Sequence[knowledge.Passage]) -> Reply:
    """The answer: the best passage quoted, each article linked (in the text and as cards), then
    "Did that answer...?" as a text block right above its buttons, so the question and its
    answers read together after the cards."""
    best = found[0]
    lines = [f"From **{best.title}**:", "", f"“{_quote(best.passage or best.summary)}”", ""]
    lines.append(f"[Read “{best.title}”]({best.url})")
    others = found[1:MAX_LINKS]
    if others:
        lines += ["", "Related: " + " · ".join(f"[{p.title}]({p.url})" for p in others)]
    cards = [
        {"type": "card", "title": p.title[:200], "url": p.url, "text": p.summary[:2000]}
        for p in found[:MAX_LINKS]
    ]
    for card in cards:
        if not card["text"]:
            del card["text"]
    return Reply(text="\n".join(lines), blocks=(*cards, *did_it_help()))


def did_it_help() -> tuple[dict[str, Any], dict[str, Any]]:
    """The blocks closing an answer: "Did that answer your question?" as a text block right
    above its buttons (yes, no, a person). Other bots (chinwag-answerbot-llm) end their answers
    with them too, and read the visitor's choice with :func:`intent`."""
    return {"type": "text", "text": ASKED}, _buttons(YES, NO, PERSON)


def asks_if_it_helped(blocks: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a bot message's blocks end with :func:`did_it_help`'s question."""
    return any(b.get("type") == "text" and b.get("text") == ASKED for b in blocks)


UNSURE = (
    "I'm not sure I have the right answer to that. Would you like to talk to a person? "
    "You can also ask again in other words."
)


def _summary(turn: Turn | None, reason: str, away: str | None) -> str:
    """The internal note agents read when the conversation reaches them."""
    parts = ["Answer bot hand-off."]
    if turn is not None:
        parts.append(f"The visitor asked: “{turn.question}”.")
        if turn.articles and turn.outcome != "unsure":
            titles = ", ".join(f"“{a['title']}” ({a['score']:.2f})" for a in turn.articles)
            parts.append(f"I answered with {titles}.")
        elif turn.articles:
            best = turn.articles[0]
            parts.append(
                f"I was not sure (best match “{best['title']}”, {best['score']:.2f}) and "
                "did not answer."
            )
        else:
            parts.append("The knowledge base had no matching article.")
    parts.append(reason)
    if away:
        parts.append(f"Outside office hours ({away}); an email follow-up was offered.")
    return " ".join(parts)


class AnswerBot(Responder):
    """Answers a conversation from the knowledge base until it is resolved or handed off."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if message.author_kind != "visitor" or not message.text.strip():
            return None  # an upload alone is for people
        cfg = site_config(ctx.settings, conversation.site_id)
        if not cfg.enabled:
            return None
        moment = now()
        open_now = cfg.hours.is_open(moment)
        if cfg.mode == "outside_hours" and open_now and _someone_in(ctx, conversation.site_id):
            return None  # people are in: the conversation waits for them
        last = self._last_turn(ctx, conversation.id)
        kind = intent(message.text)
        pending = last is not None and last.outcome in ("answered", "unsure")
        if kind == "person" or (kind == "no" and pending):
            reason = (
                "They asked for a person."
                if kind == "person"
                else "They said the answer did not help."
            )
            return self._handoff(ctx, conversation, last, reason, cfg, moment, open_now)
        if kind == "yes" and last is not None and last.outcome == "answered":
            last.outcome = "resolved"
            ctx.db_session.commit()
            return Reply(text=GLAD)
        if kind != "question":
            return None  # a bare "yes"/"no" with nothing to answer
        return self._answer(ctx, conversation, message, cfg)

    def _last_turn(self, ctx: PluginContext, conversation_id: int) -> Turn | None:
        q = select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.id.desc())
        return ctx.db_session.execute(q.limit(1)).scalar_one_or_none()

    def _answer(
        self,
        ctx: PluginContext,
        conversation: ConversationView,
        message: MessageView,
        cfg: SiteConfig,
    ) -> Reply:
        question = message.text.strip()[:500]
        found = knowledge.search(ctx, conversation.site_id, question, limit=MAX_LINKS)
        good = confident(found, cfg.threshold)
        turn = Turn(
            site_id=conversation.site_id,
            conversation_id=conversation.id,
            visitor_id=conversation.visitor.id,
            message_id=message.id,
            question=question,
            articles=[
                {"article_id": p.article_id, "title": p.title, "url": p.url, "score": p.score}
                for p in (good or found[:1])
            ],
            score=found[0].score if found else 0.0,
            outcome="answered" if good else "unsure",
        )
        ctx.db_session.add(turn)
        ctx.db_session.commit()
        if not good:
            return Reply(text=UNSURE, blocks=(_buttons(PERSON),))
        return answer_reply(good)

    def _handoff(
        self,
        ctx: PluginContext,
        conversation: ConversationView,
        last: Turn | None,
        reason: str,
        cfg: SiteConfig,
        moment: datetime,
        open_now: bool,
    ) -> Reply:
        away = None if open_now else cfg.hours.back_sentence(moment)
        if last is not None and last.outcome in ("answered", "unsure"):
            last.outcome = "handed_off"
            ctx.db_session.commit()
        post_note(ctx, conversation.id, _summary(last, reason, away))
        if away is None:
            return Reply(
                text="I'm passing you to a person from our team; they will reply here.",
                handoff=True,
            )
        ctx.emit(conversation.id, PROMPT_EVENT, followup_prompt(conversation.id))
        return Reply(
            text=f"{away} Your conversation is in their queue. Leave your email address and "
            "we'll follow up by email too.",
            handoff=True,
        )


def followup_prompt(conversation_id: int) -> Mapping[str, Any]:
    """The card asking for an email address (shown once per conversation)."""
    send = Action(FOLLOWUP_EVENT, {"conversation_id": str(conversation_id)})
    return prompt_payload(
        f"answerbot-followup-{conversation_id}",
        "Get our answer by email",
        Text("We'll reply to this address when our team is back.", style="muted"),
        Input("email", "Your email address", placeholder="you@example.com"),
        Submit("Send", send),
    )


def post_note(ctx: PluginContext, conversation_id: int, text: str) -> None:
    """An internal note for agents (``ctx.post_note``, the inbox surface of the plugin API).

    Until that piece of the API is in the running Chinwag the note is logged instead; the bot
    never reaches around the API to write one."""
    poster = getattr(ctx, "post_note", None)
    if poster is None:
        ctx.logger.warning("ctx.post_note is not available; hand-off note not posted: %s", text)
        return
    poster(conversation_id, text)


def _someone_in(ctx: PluginContext, site_id: int) -> bool:
    """Whether an agent who sees the site has the inbox open now (``ctx.agents_online``, plugin
    API 1.3); an older Chinwag cannot tell, and office hours alone decide."""
    try:
        return bool(ctx.agents_online(site_id))
    except NotImplementedError:
        return True
