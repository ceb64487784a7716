"""The responder: retrieve passages, ask the model, answer with citations or hand off.

It runs after the visitor's message is stored and acknowledged (the host defers responders to
the event bus), only while no person holds the conversation. Each question is answered on its
own (earlier messages are not sent). The conversation goes to people (``Reply(handoff=True)``,
with an internal note for the agent) when the visitor asks for a person, when no passage
reaches the site's threshold (the model is then not called), when the model says it cannot
answer or breaks the reply format, and when the endpoint is down, slow or answers an error.
Each outcome adds to a health counter (``chinwag plugins list``).

Only one bot answers a conversation: when ``chinwag-answerbot`` (the knowledge-base bot without
a model) is enabled as well, it answers and this bot stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chinwag_plugin_api import ConversationView, MessageView, PluginContext, Reply, Responder

from chinwag_answerbot_llm import client, grounding
from chinwag_answerbot_llm.grounding import Passage, Verdict
from chinwag_answerbot_llm.plugin import endpoint, site_config

#: the distribution that answers instead of this one when both are enabled
CLASSIC_BOT = "chinwag-answerbot"
#: the button under an answer; the widget sends its label as the visitor's message
PERSON = "Talk to a person"
HANDOFF = "I'm passing you to a person from our team; they will reply here."
UNSUPPORTED = (
    "I couldn't find that in our help articles, so I'm passing you to a person from our team; "
    "they will reply here."
)
UNAVAILABLE = (
    "I can't answer right now, so I'm passing you to a person from our team; they will reply here."
)
#: longest note for agents (the API's limit is 4,000 characters)
MAX_NOTE = 3900

_PERSON = re.compile(
    r"\b(human|person|people|agent|someone|somebody|representative|operator)\b", re.I
)


def wants_person(text: str) -> bool:
    """A short message asking for a person (or the button's label)."""
    t = text.strip()
    return t.lower() == PERSON.lower() or (len(t) <= 60 and bool(_PERSON.search(t)))


def answer_reply(verdict: Verdict) -> Reply:
    """The answer, then each cited article linked (in the text and as cards), then a button to
    reach a person."""
    links = " · ".join(f"[{p.title}]({p.url})" for p in verdict.sources)
    cards = tuple({"type": "card", "title": p.title[:200], "url": p.url} for p in verdict.sources)
    buttons = {"type": "buttons", "buttons": [{"label": PERSON}]}
    return Reply(text=f"{verdict.answer}\n\nSources: {links}", blocks=(*cards, buttons))


def note(question: str, passages: Sequence[Passage], why: str) -> str:
    """The internal note agents read when the conversation reaches them."""
    parts = ["LLM answer bot hand-off.", f"The visitor asked: “{question[:500]}”."]
    if passages:
        found = ", ".join(f"“{p.title}” ({p.score:.2f})" for p in passages)
        parts.append(f"Knowledge-base passages: {found}.")
    else:
        parts.append("No knowledge-base passage reached the threshold.")
    parts.append(why)
    return " ".join(parts)[:MAX_NOTE]


class LlmAnswerBot(Responder):
    """Answers a conversation with the configured model, grounded in knowledge-base passages,
    until it hands the conversation to people."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if message.author_kind != "visitor" or not message.text.strip():
            return None  # an upload alone is for people
        point = endpoint(ctx.settings)
        cfg = site_config(ctx.settings, conversation.site_id)
        if point is None or not cfg.enabled:
            return None  # nothing configured or off on this site: nothing leaves Chinwag
        if _classic_bot_answers(ctx, conversation.site_id):
            return None
        question = message.text.strip()[: grounding.MAX_QUESTION]
        if wants_person(question):
            return self._handoff(
                ctx, conversation, question, (), "They asked for a person.", HANDOFF
            )
        found = grounding.retrieve(ctx, conversation.site_id, question, cfg.top_k)
        passages = [p for p in found if p.score >= cfg.threshold]
        if not passages:
            best = f" (best score {found[0].score:.2f})" if found else ""
            why = f"The model was not asked: no passage scored {cfg.threshold:.2f} or more{best}."
            ctx.count("no_passage")
            return self._handoff(ctx, conversation, question, found[:1], why, UNSUPPORTED)
        try:
            content = client.complete(point, grounding.messages(question, passages))
        except client.EndpointError as exc:
            ctx.count(f"endpoint_{exc.kind}")
            ctx.logger.error("LLM endpoint failed for conversation %s: %s", conversation.id, exc)
            why = f"The model endpoint failed ({exc.detail})."
            return self._handoff(ctx, conversation, question, passages, why, UNAVAILABLE)
        verdict = grounding.judge(content, passages)
        if verdict.status == "answered":
            ctx.count("answered")
            return answer_reply(verdict)
        ctx.count(verdict.status)  # "cannot_answer" or "invalid"
        if verdict.status == "cannot_answer":
            why = "The model said the passages do not answer it" + (
                f": {verdict.reason}" if verdict.reason else "."
            )
        else:
            why = f"The model's reply was refused ({verdict.reason})."
        return self._handoff(ctx, conversation, question, passages, why, UNSUPPORTED)

    def _handoff(
        self,
        ctx: PluginContext,
        conversation: ConversationView,
        question: str,
        passages: Sequence[Passage],
        why: str,
        text: str,
    ) -> Reply:
        ctx.count("handed_off")
        ctx.post_note(conversation.id, note(question, passages, why))
        return Reply(text=text, handoff=True)


def _classic_bot_answers(ctx: PluginContext, site_id: int) -> bool:
    try:
        return ctx.plugin_enabled(CLASSIC_BOT, site_id)
    except NotImplementedError:  # an older Chinwag: it cannot tell, so this bot answers
        return False
