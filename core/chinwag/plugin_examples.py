"""One worked example per extension point, quoted by the generated reference (docs/plugins.md).

Each example is real plugin code: it imports only ``chinwag_plugin_api`` (and Flask/marshmallow
for routes and schemas), and core/tests/test_plugin_examples.py registers and runs every one of
them against a live app, so the reference never shows code that does not work. The core never
loads this module itself.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, ClassVar

import click
from chinwag_plugin_api import (
    Action,
    ActionSubmit,
    AdminPage,
    Advice,
    AgentView,
    AnalyticsEvent,
    AnalyticsSink,
    BlockType,
    Button,
    CliCommands,
    Component,
    ContentCheck,
    ConversationView,
    Event,
    EventListener,
    Feature,
    Finding,
    InboundProcessor,
    InboxPanel,
    InboxPanels,
    ListItem,
    ListView,
    MessageActions,
    MessageDraft,
    MessageRule,
    MessageView,
    Option,
    OutboundProcessor,
    PluginContext,
    PrivacyHandler,
    Reply,
    Responder,
    RoutesProvider,
    ScheduledJob,
    SingleSelect,
    SocketEvent,
    SocketHandlers,
    StorageDriver,
    StorageError,
    StrictSchema,
    Text,
    Theme,
    ThemeCheck,
    VisitorRef,
    WidgetFeatures,
    components_reply,
    current_actor,
    current_context,
    endpoint,
)
from chinwag_plugin_api.events import ConversationEvent
from flask import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import Column, Integer, MetaData, Table


# example: chinwag.routes
class GreetingOut(Schema):
    greeting = fields.String()
    visitor_id = fields.Integer()


class GreetingRoutes(RoutesProvider):
    """``GET /api/v1/plugins/<plugin>/greeting`` for the widget's visitors."""

    def blueprint(self) -> Blueprint:
        bp = Blueprint("example_greeting", __name__)

        @endpoint(bp, "/greeting", response=GreetingOut, roles=("visitor",))
        def greeting() -> dict[str, Any]:
            """Greet the calling visitor."""
            ctx = current_context()
            return {
                "greeting": ctx.settings.get("greeting", "Hello"),
                "visitor_id": current_actor().id,
            }

        return bp


# end example


# example: chinwag.admin_pages
class OpenConversationsPage(AdminPage):
    """A page for agents listing how many conversations are open."""

    slug = "open"
    title = "Open conversations"
    roles = ("admin", "agent")

    def render(self, ctx: PluginContext) -> str:
        name = html.escape(ctx.plugin_name)
        return f"<h2>{name}</h2><p>Rendered for the inbox.</p>"


# end example


# example: chinwag.socket_events
class VoteIn(StrictSchema):
    message_id = fields.Integer(required=True)
    up = fields.Boolean(required=True)


def record_vote(
    ctx: PluginContext, payload: dict[str, Any], actor: Mapping[str, Any]
) -> Mapping[str, Any]:
    ctx.logger.info("vote %s on %s by %s", payload["up"], payload["message_id"], actor["kind"])
    return {"counted": True}


class VoteEvents(SocketHandlers):
    """The widget emits ``example.vote``; the acknowledgement carries ``counted``."""

    def events(self) -> list[SocketEvent]:
        return [SocketEvent("example.vote", VoteIn, record_vote, namespaces=("/widget",))]


# end example


# example: chinwag.inbound
CARD = re.compile(r"\b\d(?:[ -]?\d){12,15}\b")


class RedactCards(InboundProcessor):
    """Hide card numbers before a visitor's message is stored."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        if CARD.search(draft.text):
            draft.text = CARD.sub("[card number removed]", draft.text)
            draft.annotations["redacted"] = True
        return draft


#: a table of the plugin's own (created by its migration, see docs/writing-plugins.md)
URGENT = Table(
    "example_urgent_messages",
    MetaData(),
    Column("message_id", Integer, primary_key=True),
    Column("conversation_id", Integer, nullable=False, index=True),
)


class NoteUrgent(InboundProcessor):
    """Keep one row per stored urgent message: written in the message's own transaction, so it
    exists exactly when the message does (never for a refusal, a re-send or a failed store)."""

    def process(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft:
        if "urgent" in draft.text.lower():

            def note(message: MessageView) -> None:
                ctx.db_session.execute(
                    URGENT.insert().values(
                        message_id=message.id, conversation_id=message.conversation_id
                    )
                )

            ctx.in_message_transaction(note)  # not ctx.db_session here: nothing is stored yet
        return draft


# end example


# example: chinwag.agent_view
class HideOrderEmails(AgentView):
    """Agents see e-mail addresses as [e-mail]; the visitor's own copy keeps them."""

    def agent_copy(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft | None:
        if "@" not in draft.text:
            return None  # agents may see it as sent
        masked = re.sub(r"\S+@\S+", "[e-mail]", draft.text)
        return dataclasses.replace(draft, text=masked)


# end example


# example: chinwag.outbound
class SignReplies(OutboundProcessor):
    """Sign every agent's message with the team name (bots stay unsigned)."""

    # a hook may take fewer arguments than its spec (never others): here no ``ctx``
    def process(self, draft: MessageDraft) -> MessageDraft:  # type: ignore[override]
        if draft.author_kind == "agent":
            draft.text = f"{draft.text}\n\n— the support team"
        return draft


# end example


# example: chinwag.responders
class PongBot(Responder):
    """Answers "ping" with "pong"; anything else, it leaves to others."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if message.text.strip().lower() == "ping":
            return Reply(text="pong")
        return None


class SlowBot(Responder):
    """Answers "slow <words>" from a background job (plugin API 1.6): a hook must return within
    its 2 s budget, so slow work (a model call) goes to a job, which answers with ctx.answer."""

    def respond(
        self, ctx: PluginContext, conversation: ConversationView, message: MessageView
    ) -> Reply | None:
        if message.text.startswith("slow "):
            ctx.run_in_background(answer_slowly, ctx, conversation.id, message.id)
        return None


def answer_slowly(ctx: PluginContext, conversation_id: int, message_id: int) -> None:
    if ctx.has_answered(conversation_id, message_id):
        return  # a re-run (its worker died, a retry): the slow work is not done twice
    (message,) = ctx.recent_messages(conversation_id, limit=1, until_id=message_id)
    words = message.text.removeprefix("slow ").upper()  # the slow work
    # sent once however often this runs; "slow person" hands the conversation to people
    ctx.answer(conversation_id, message_id, Reply(text=words, handoff=words == "PERSON"))


# end example


# example: chinwag.blocks
class CouponSchema(StrictSchema):
    type = fields.Constant("coupon")
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9]{4,12}$"))


class CouponBlock(BlockType):
    """A coupon code block that agents and bots send (visitors send text and their uploads
    only): anything but 4-12 capitals and digits is refused."""

    name = "coupon"
    schema = CouponSchema


# end example


# example: chinwag.storage
class MemoryStorage(StorageDriver):
    """Keeps media in memory (tests and demos; lost on restart)."""

    def configure(self, options: Mapping[str, Any]) -> None:
        self.objects: dict[str, bytes] = {}

    def save(self, key: str, stream: IO[bytes], content_type: str) -> int:
        data = stream.read()
        self.objects[key] = data
        return len(data)

    def open(self, key: str) -> IO[bytes]:
        if key not in self.objects:
            raise StorageError(f"no object {key}", "not_found", 404)
        return io.BytesIO(self.objects[key])

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects


# end example


# example: chinwag.analytics
class MessageCounter(AnalyticsSink):
    """Counts messages per author kind (a real sink would forward to an analytics service)."""

    counts: dict[str, int] = {}

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        if event.name == "message.sent":
            kind = str(event.properties["author_kind"])
            self.counts[kind] = self.counts.get(kind, 0) + 1


# end example


# example: chinwag.event_listeners
class ConversationLog(EventListener):
    """Keeps when each conversation opened and closed (a real one would notify a CRM)."""

    events = ("conversation.opened", "conversation.closed")
    seen: list[tuple[str, int]] = []

    def handle(self, ctx: PluginContext, event: Event) -> None:
        if isinstance(event, ConversationEvent):
            self.seen.append((event.name, event.conversation_id))


# end example


# example: chinwag.events
@dataclass(frozen=True)
class AnswerRated(Event):
    """A visitor rated a bot's answer (an event of the plugin ``example``; declared in its
    pyproject.toml under ``[project.entry-points."chinwag.events"]`` as
    ``answer_rated = "chinwag_example.events:AnswerRated"``).

    :param conversation_id: the rated answer's conversation.
    :param visitor_id: the visitor who rated it.
    :param message_id: the rated answer.
    :param value: ``up`` or ``down``.
    """

    name: ClassVar[str] = "example.answer_rated"
    conversation_id: int
    visitor_id: int
    message_id: int
    value: str


def record_rating(ctx: PluginContext, conversation_id: int, message_id: int, value: str) -> None:
    """Store a rating (a real plugin: a row of its own table) and tell listeners and analytics
    sinks once it is committed: ``publish`` waits for the commit."""
    conversation = ctx.conversation(conversation_id)
    if conversation is None:
        return
    event = AnswerRated(
        conversation.site_id, conversation.id, conversation.visitor.id, message_id, value
    )
    ctx.publish(event)
    ctx.db_session.commit()


# end example


# example: chinwag.jobs
class ForgetStaleDrafts(ScheduledJob):
    """Hourly clean-up; safe to run twice at once (it deletes by a cutoff)."""

    interval = 3600
    runs: list[str] = []

    def run(self, ctx: PluginContext) -> None:
        # a plugin with a table would: delete(Draft).where(Draft.created_at < cutoff); commit
        ctx.db_session.commit()
        self.runs.append(ctx.plugin_name)


# end example


# example: chinwag.privacy
class NotesPrivacy(PrivacyHandler):
    """Export and erase the notes a plugin keeps per visitor (here: in a dict)."""

    notes: dict[int, list[str]] = {}

    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        return {"notes": list(self.notes.get(visitor.id, []))}

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        self.notes.pop(visitor.id, None)


# end example


# example: chinwag.widget
class RatingIn(ActionSubmit):
    """The widget sends what a button's action carries (``payload``) and which message it was."""


class ThumbsOnBotAnswers(WidgetFeatures):
    """Thumbs up/down under the bot's answers; thumbs down then asks for a reason."""

    def features(self, ctx: PluginContext, site_id: int) -> list[Feature]:
        rate = Action("example.rate")
        return [
            MessageActions(
                event="example.rate",
                when=MessageRule(author_kinds=("bot",)),
                label="Was this helpful?",
                components=(
                    Button("👍", rate.with_payload(value="up"), label="Helpful"),
                    Button("👎", rate.with_payload(value="down"), label="Not helpful"),
                ),
            )
        ]


REASONS = (Option("wrong", "Wrong answer"), Option("unclear", "Hard to understand"))


def rate_message(
    ctx: PluginContext, payload: dict[str, Any], actor: Mapping[str, Any]
) -> Mapping[str, Any]:
    choice = payload["payload"].get("value") or payload["values"].get("reason")
    RatingEvents.received.append((payload.get("message_id"), choice))
    if choice == "down":  # the next step replaces the thumbs: pick a reason
        reason = SingleSelect("reason", "What went wrong?", REASONS, Action("example.rate"))
        return components_reply(reason)
    return {"done": "Thanks for the feedback!"}


class RatingEvents(SocketHandlers):
    received: list[tuple[int | None, str | None]] = []

    def events(self) -> list[SocketEvent]:
        return [SocketEvent("example.rate", RatingIn, rate_message, namespaces=("/widget",))]


# end example


# example: chinwag.inbox
ORDERS = {"u-42": ("#1001 shipped", "#1002 waiting for stock")}


class OrdersPanel(InboxPanels):
    """The visitor's orders beside the conversation, and a button that flags it for review."""

    def panels(self, ctx: PluginContext, conversation: ConversationView) -> list[InboxPanel]:
        orders = ORDERS.get(conversation.visitor.external_id or "", ())
        shown: Component = (
            ListView(tuple(ListItem(o) for o in orders), label="Open orders")
            if orders
            else Text("No orders: the visitor is not signed in on the site.", style="muted")
        )
        return [InboxPanel("Orders", (shown, Button("Flag for review", Action("example.flag"))))]


def flag_for_review(
    ctx: PluginContext, payload: dict[str, Any], actor: Mapping[str, Any]
) -> Mapping[str, Any]:
    conversation_id = payload["conversation_id"]
    # a chip on the list row and in the thread, pushed to every agent at once
    ctx.annotate(conversation_id, "review", label="Needs review", tone="warning")
    # a line of the thread only agents see; never sent to the visitor
    ctx.post_note(conversation_id, f"Flagged for review by agent #{actor['id']}.")
    return components_reply(Text("Flagged for review."))


class FlagEvents(SocketHandlers):
    def events(self) -> list[SocketEvent]:
        return [SocketEvent("example.flag", ActionSubmit, flag_for_review, namespaces=("/agent",))]


# end example


# example: chinwag.theme_checks
class HouseColours(ThemeCheck):
    """A house rule shown in the widget designer: the brand colour must not be pure red."""

    def check(self, ctx: PluginContext, theme: Theme) -> list[Finding]:
        if str(theme.settings.get("brand_color", "")).lower() != "#ff0000":
            return []
        return [
            Finding(
                criterion="house",
                title="Brand colours",
                severity="warning",
                subject="brand colour",
                measured="#ff0000",
                threshold="not #ff0000",
                message="Pure red reads as an error message.",
                fix="Use the brand's darker red.",
                setting="brand_color",
                suggested_value="#b3261e",
            )
        ]


# end example


# example: chinwag.content_checks
class HouseStyle(ContentCheck):
    """House style for canned replies and articles: no "ASAP", and say who "we" are."""

    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        found = []
        if re.search(r"\bASAP\b", text):
            found.append(Advice("asap", 'Say when: "within two hours", not "ASAP".', "warning"))
        if site_id is not None and "{site.name}" not in text and re.search(r"\bwe\b", text, re.I):
            found.append(Advice("who_is_we", 'Name the shop once ({site.name}) when writing "we".'))
        return found


# end example


# example: chinwag.cli
class GreeterCommands(CliCommands):
    """``chinwag greeter hello NAME``: greets, and counts each greeting in the plugin's health."""

    def commands(self) -> click.Command:
        @click.group("greeter")
        def group() -> None:
            """Greeter tools."""

        @group.command()
        @click.argument("name")
        def hello(name: str) -> None:
            """Greet NAME."""
            ctx = current_context()  # this plugin's context, in the app's context
            ctx.count("greetings")
            click.echo(f"hello {name} from {ctx.plugin_name}")

        return group


# end example
