"""The responder and its job: retrieve passages, ask the model, answer with citations or hand off.

The responder runs after the visitor's message is stored and acknowledged, only while no person
holds the conversation, and must return within the host's hook budget (2 s): so it only decides
what needs no model (a visitor asking for a person, the "Did that answer your question?" buttons
under the last answer) and queues :func:`answer_job` for a question. The job, on Chinwag's job
queue, calls the model with the bot's own timeout and answers or hands off through
``ctx.answer`` (plugin API 1.6): once per question however often the job runs.

**Once and in order, with several workers.** Jobs of two quick questions may run side by
side. A job first waits (:func:`wait_for_earlier`, at most the endpoint's timeout plus
:data:`WAIT_MARGIN` seconds) until this bot answered the visitor's earlier questions, so answers
come in the order the questions were asked and each sees the answers before it; an earlier
question still unanswered after that wait (its worker died, its job waits for a retry) is asked
together with the newer one, and its own job, when it runs at last, answers nothing
(:func:`superseded`, counted as ``superseded``). A hand-off note is posted once per question:
it carries the key ``handoff:<message id>`` (``ctx.post_note(..., key=)``, plugin API 1.7), so
a re-run after the worker died between note and answer does not post it again
(:func:`post_note_once`).

The model gets the conversation's recent turns (:data:`MAX_TURNS` messages, at most
:data:`MAX_HISTORY_CHARS` characters) so follow-up questions work. The conversation goes to
people (with an internal note for the agent) when the visitor asks for a person or says the
answer did not help, when no passage reaches the site's threshold (the model is then not
called), when the model says it cannot answer or breaks the reply format, and when the endpoint
is down, slow or answers an error. Each outcome adds to a health counter
(``chinwag plugins list``).

Only one bot answers a conversation: when ``chinwag-answerbot`` (the knowledge-base bot without
a model) is enabled as well, it answers and this bot stays silent. Its "did that help?" blocks
and its reading of the visitor's answer are reused here, so both bots ask and understand alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TypeGuard

from chinwag_answerbot.bot import GLAD, asks_if_it_helped, did_it_help, intent
from chinwag_plugin_api import ConversationView, MessageView, PluginContext, Reply, Responder

from chinwag_answerbot_llm import client, grounding
from chinwag_answerbot_llm.grounding import Passage, Turn, Verdict
from chinwag_answerbot_llm.plugin import Endpoint, endpoint, site_config

#: the distribution that answers instead of this one when both are enabled
CLASSIC_BOT = "chinwag-answerbot"
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
#: earlier messages of the conversation the model sees, newest kept first within the bound
MAX_TURNS = 6
MAX_HISTORY_CHARS = 2000
#: what ends the text of an answer (the links the bot adds); kept out of the model's history
SOURCES = "\n\nSources: "
#: seconds a job waits for the answers to earlier questions beyond the endpoint's timeout
WAIT_MARGIN = 5.0
#: how often a waiting job looks again
POLL_SECONDS = 0.2
#: earlier messages a job looks through for questions still waiting for their answer
LOOK_BACK = 10


def answer_reply(verdict: Verdict) -> Reply:
    """The answer, then each cited article linked (in the text and as cards), then "Did that
    answer your question?" with its buttons (chinwag-answerbot's)."""
    links = " · ".join(f"[{p.title}]({p.url})" for p in verdict.sources)
    cards = tuple({"type": "card", "title": p.title[:200], "url": p.url} for p in verdict.sources)
    return Reply(text=f"{verdict.answer}{SOURCES}{links}", blocks=(*cards, *did_it_help()))


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
        if not _answers(ctx, conversation.site_id, message):
            return None
        question = message.text.strip()[: grounding.MAX_QUESTION]
        kind = intent(question)
        if kind == "person":
            why = "They asked for a person."
            return _handoff(ctx, conversation, message.id, question, (), why, HANDOFF)
        if kind in ("yes", "no"):
            limit = MAX_TURNS + 1
            earlier = ctx.recent_messages(conversation.id, limit=limit, until_id=message.id)[:-1]
            asked = bool(earlier) and earlier[-1].author_kind == "bot"
            if asked and asks_if_it_helped(earlier[-1].blocks):
                if kind == "yes":
                    ctx.count("helped")
                    return Reply(text=GLAD)
                before = [m.text for m in earlier if m.author_kind == "visitor"]
                why = "They said the answer did not help."
                asked_before = before[-1] if before else question
                return _handoff(ctx, conversation, message.id, asked_before, (), why, HANDOFF)
        # a question (or a "no" that answers nothing): the model's work runs as a job
        ctx.run_in_background(answer_job, ctx, conversation.id, message.id)
        return None


def answer_job(ctx: PluginContext, conversation_id: int, message_id: int) -> None:
    """Answer the visitor's message ``message_id`` (queued by the responder): wait for the
    answers to earlier questions, retrieve, ask the model within the bot's timeout, answer or
    hand off. Does nothing when this bot answered it already (a re-run), when it answered a
    later question meanwhile (which covered this one), or when people hold the conversation."""
    conversation = ctx.conversation(conversation_id)
    point = endpoint(ctx.settings)
    if not _open_to_bot(conversation) or point is None:
        return
    if ctx.has_answered(conversation_id, message_id):
        return
    message = ctx.recent_messages(conversation_id, limit=1, until_id=message_id)[-1]
    waiting = wait_for_earlier(ctx, conversation_id, message, point.timeout + WAIT_MARGIN)
    conversation = ctx.conversation(conversation_id)  # the earlier answers may have handed off
    if not _open_to_bot(conversation) or not _answers(ctx, conversation.site_id, message):
        return  # people took it, or the bot was switched off since the question was queued
    if superseded(ctx, conversation_id, message):
        return
    asked = [m for m in _turns_before(ctx, message) if m.id not in {w.id for w in waiting}]
    # an earlier question nobody answered yet is asked with this one, so none goes unanswered
    texts = [m.text.strip() for m in (*waiting, message)]
    question = "\n".join(texts)[-grounding.MAX_QUESTION :]
    reply, why = _model_reply(ctx, conversation, point, question, history(asked))
    if superseded(ctx, conversation_id, message):
        return  # a later question was answered while the model thought about this one
    if why is not None:
        ctx.count("handed_off")
        post_note_once(ctx, conversation, message_id, why)
    ctx.answer(conversation_id, message_id, reply)  # once, however often this job runs


def _turns_before(ctx: PluginContext, message: MessageView) -> list[MessageView]:
    """The conversation before ``message`` as the model should see it: the messages before it
    and the bot's answers stored after it (to questions asked before it, which came out while
    this one waited), in that order."""
    conversation_id = message.conversation_id
    before = ctx.recent_messages(conversation_id, limit=MAX_TURNS + 1, until_id=message.id)
    after = [
        m
        for m in ctx.recent_messages(conversation_id, limit=LOOK_BACK)
        if m.seq > message.seq and m.author_kind == "bot"
    ]
    return [*before[:-1], *after]


def _open_to_bot(conversation: ConversationView | None) -> TypeGuard[ConversationView]:
    return (
        conversation is not None
        and conversation.assignee_kind != "agent"
        and conversation.status == "open"
    )


def _questions_before(
    ctx: PluginContext, conversation_id: int, message: MessageView, within: float
) -> list[MessageView]:
    """The visitor's questions before ``message`` (sent at most ``within`` seconds before it)
    that this bot has not answered yet, oldest first."""
    earlier = ctx.recent_messages(conversation_id, limit=LOOK_BACK + 1, until_id=message.id)
    return [
        m
        for m in earlier[:-1]
        if m.author_kind == "visitor"
        and m.text.strip()
        and (message.created_at - m.created_at).total_seconds() <= within
        and not ctx.has_answered(conversation_id, m.id)
    ]


def wait_for_earlier(
    ctx: PluginContext, conversation_id: int, message: MessageView, within: float
) -> list[MessageView]:
    """Wait, at most ``within`` seconds, until this bot answered the visitor's earlier
    questions (their jobs may be running on other workers); return those still unanswered.

    Only questions sent less than ``within`` seconds before ``message`` are waited for: an
    older one's job has had its time (or never ran, e.g. the bot was off then)."""
    deadline = time.monotonic() + within
    waiting = _questions_before(ctx, conversation_id, message, within)
    while waiting and time.monotonic() < deadline:
        ctx.db_session.rollback()  # end the read transaction: see what other workers committed
        threading.Event().wait(POLL_SECONDS)  # a green-thread switch under gevent, too
        waiting = _questions_before(ctx, conversation_id, message, within)
    return waiting


def superseded(ctx: PluginContext, conversation_id: int, message: MessageView) -> bool:
    """Whether this bot answered a later visitor message already (whose job asked this one's
    question with it, or found it answered): answering this one now would come out of order.
    Counted as ``superseded``."""
    ctx.db_session.rollback()  # read what other workers committed since
    later = [
        m
        for m in ctx.recent_messages(conversation_id, limit=LOOK_BACK)
        if m.author_kind == "visitor" and m.seq > message.seq
    ]
    if any(ctx.has_answered(conversation_id, m.id) for m in later):
        ctx.count("superseded")
        return True
    return False


def post_note_once(
    ctx: PluginContext, conversation: ConversationView, message_id: int, text: str
) -> int:
    """Post the hand-off note about ``message_id`` unless it was posted before (by this run or
    an earlier one, on any worker); returns the note's id. The core stores at most one note per
    key (plugin API 1.7), so this is its guarantee, not a transaction of this bot's."""
    return ctx.post_note(conversation.id, text, key=f"handoff:{message_id}")


def _model_reply(
    ctx: PluginContext,
    conversation: ConversationView,
    point: Endpoint,
    question: str,
    turns: Sequence[Turn],
) -> tuple[Reply, str | None]:
    """The answer to ``question`` (and None), or a hand-off and the note for agents when no
    answer is supported."""
    cfg = site_config(ctx.settings, conversation.site_id)
    found = grounding.retrieve(ctx, conversation.site_id, question, cfg.top_k)
    passages = [p for p in found if p.score >= cfg.threshold]
    if not passages and turns:  # a follow-up ("and on mobile?"): search with what came before
        asked_before = " ".join(t.text for t in turns if t.role == "user")[-300:]
        found = grounding.retrieve(
            ctx, conversation.site_id, f"{asked_before} {question}", cfg.top_k
        )
        passages = [p for p in found if p.score >= cfg.threshold]
    if not passages:
        best = f" (best score {found[0].score:.2f})" if found else ""
        why = f"The model was not asked: no passage scored {cfg.threshold:.2f} or more{best}."
        ctx.count("no_passage")
        return _handoff_reply(question, found[:1], why, UNSUPPORTED)
    try:
        content = client.complete(point, grounding.messages(question, passages, turns))
    except client.EndpointError as exc:
        ctx.count(f"endpoint_{exc.kind}")
        ctx.logger.error("LLM endpoint failed for conversation %s: %s", conversation.id, exc)
        why = f"The model endpoint failed ({exc.detail})."
        return _handoff_reply(question, passages, why, UNAVAILABLE)
    verdict = grounding.judge(content, passages)
    if verdict.status == "answered":
        ctx.count("answered")
        return answer_reply(verdict), None
    ctx.count(verdict.status)  # "cannot_answer" or "invalid"
    if verdict.status == "cannot_answer":
        why = "The model said the passages do not answer it" + (
            f": {verdict.reason}" if verdict.reason else "."
        )
    else:
        why = f"The model's reply was refused ({verdict.reason})."
    return _handoff_reply(question, passages, why, UNSUPPORTED)


def history(earlier: Sequence[MessageView]) -> list[Turn]:
    """The conversation's turns before the question, oldest first: the visitor's and the bots'
    texts (an answer without its links), the newest kept within :data:`MAX_TURNS` messages and
    :data:`MAX_HISTORY_CHARS` characters."""
    turns: list[Turn] = []
    size = 0
    for m in reversed(earlier[-MAX_TURNS:]):
        if m.author_kind not in ("visitor", "bot") or not m.text.strip():
            continue
        text = m.text.split(SOURCES, 1)[0].strip()
        if size + len(text) > MAX_HISTORY_CHARS:
            break
        size += len(text)
        turns.append(Turn("user" if m.author_kind == "visitor" else "assistant", text))
    return turns[::-1]


def _answers(ctx: PluginContext, site_id: int, message: MessageView) -> bool:
    """Whether this bot takes the message: a visitor's text, an endpoint set, the bot on for
    the site and the other bot off."""
    if message.author_kind != "visitor" or not message.text.strip():
        return False  # an upload alone is for people
    if endpoint(ctx.settings) is None or not site_config(ctx.settings, site_id).enabled:
        return False  # nothing configured or off on this site: nothing leaves Chinwag
    return not _classic_bot_answers(ctx, site_id)


def _handoff_reply(
    question: str, passages: Sequence[Passage], why: str, text: str
) -> tuple[Reply, str]:
    """The hand-off reply and the note for agents about it."""
    return Reply(text=text, handoff=True), note(question, passages, why)


def _handoff(
    ctx: PluginContext,
    conversation: ConversationView,
    message_id: int,
    question: str,
    passages: Sequence[Passage],
    why: str,
    text: str,
) -> Reply:
    """From the responder: the note for agents (posted now, so it is there when the
    conversation reaches them) and the hand-off reply."""
    ctx.count("handed_off")
    reply, text_of_note = _handoff_reply(question, passages, why, text)
    post_note_once(ctx, conversation, message_id, text_of_note)
    return reply


def _classic_bot_answers(ctx: PluginContext, site_id: int) -> bool:
    try:
        return ctx.plugin_enabled(CLASSIC_BOT, site_id)
    except NotImplementedError:  # an older Chinwag: it cannot tell, so this bot answers
        return False
