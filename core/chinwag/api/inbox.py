"""What the agent workspace lists: conversations with what an agent triages by (last message,
unread visitor messages, how long the visitor has waited, site) and a visitor's history.

``/api/v1/conversations`` stays the plain resource; these views are computed in a few grouped
queries over the page of conversations, never one query per row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, g
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.orm import aliased

from chinwag import access, audit, inbox_surface, search
from chinwag import events as ev
from chinwag.actions import Actor, conversation_dict, conversation_for, stored_now
from chinwag.annotations import annotations_of
from chinwag.api.base import endpoint
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.labels import ConversationLabel
from chinwag.models import Conversation, Message, Site, Visitor
from chinwag.notes import notes_of
from chinwag.rooms import emit, site_rooms
from chinwag.schemas import AgentConversationOut, ConversationsQuery, Strict
from chinwag.timefmt import UtcDateTime

bp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox")

PREVIEW_CHARS = 140
AGENT_ROLES = ("admin", "agent")


class LastMessageOut(Schema):
    """A short preview of the newest message (text cut, attachments named)."""

    author_kind = fields.String()
    author_name = fields.String(allow_none=True)
    preview = fields.String()
    created_at = UtcDateTime()


class InboxConversationOut(AgentConversationOut):
    site_name = fields.String()
    unread = fields.Integer(metadata={"description": "Visitor messages after agent_read_seq."})
    waiting_since = fields.DateTime(
        allow_none=True,
        metadata={"description": "First visitor message not yet answered by an agent."},
    )
    last_message = fields.Nested(LastMessageOut, allow_none=True)
    labels = fields.List(fields.String())
    snoozed_until = UtcDateTime(
        allow_none=True,
        metadata={
            "description": "Hidden from the open list until then (a visitor message wakes it)."
        },
    )
    annotations = fields.List(
        fields.Nested(lambda: AnnotationOut()),
        metadata={"description": "Conversation-wide annotations of enabled plugins."},
    )
    matches = fields.List(
        fields.Nested(lambda: SearchMatchOut()),
        metadata={
            "description": "With ``q``: why the conversation matched, the newest matching "
            "message then the newest matching note (none when only the visitor matched)."
        },
    )


class SnippetPartOut(Schema):
    text = fields.String()
    mark = fields.Boolean(metadata={"description": "A matched word (the inbox shows <mark>)."})


class SearchMatchOut(Schema):
    """A snippet of a matching message or internal note, cut around the first matched word."""

    kind = fields.String(metadata={"enum": ["message", "note"]})
    id = fields.Integer(metadata={"description": "The message's or the note's id."})
    author_name = fields.String(allow_none=True)
    parts = fields.List(fields.Nested(SnippetPartOut), metadata={"description": "Plain text."})


class AnnotationOut(Schema):
    """A plugin's annotation (``ctx.annotate``): a chip with a tone, on a conversation or a
    message (``message_id``)."""

    plugin = fields.String()
    key = fields.String()
    label = fields.String()
    tone = fields.String(metadata={"enum": ["neutral", "positive", "negative", "warning"]})
    detail = fields.String(allow_none=True)
    message_id = fields.Integer(allow_none=True)
    updated_at = fields.String(metadata={"format": "date-time"})


def preview(message: Message) -> str:
    """The text, else the attachments' names: what the list shows under the visitor's name."""
    text = " ".join(message.text.split())
    if not text:
        names = []
        for block in message.blocks or []:
            label = block.get("name") or block.get("title") or block.get("alt") or block.get("text")
            names.append(f"{block.get('type', 'block')}: {label}" if label else block.get("type"))
        text = ", ".join(str(n) for n in names if n)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


FIELDS = tuple(AgentConversationOut().fields)


def snoozed(conv: Conversation) -> bool:
    """Whether the conversation is snoozed now (a past ``snoozed_until`` has expired)."""
    until = conv.snoozed_until
    if until is None:
        return False
    clock = stored_now()
    if until.tzinfo is None and clock.tzinfo is not None:
        until = until.replace(tzinfo=clock.tzinfo)
    return until > clock


LABEL = validate.Regexp(
    r"^[a-z0-9][a-z0-9 _-]{0,39}$",
    error="Use 1 to 40 lower-case letters, digits, spaces, - or _.",
)


def _searchable(q: str) -> None:
    """``q`` parses as a search (:func:`chinwag.search.parse`), else a message on ``q``."""
    try:
        search.parse(q)
    except ValueError as err:
        raise ValidationError(str(err)) from err


class Instant(fields.AwareDateTime):
    """An RFC 3339 time with an offset, given back in UTC (as the database compares it: without
    an offset on SQLite); one that leaves the calendar in UTC is refused, not a 500."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC)
        except (OverflowError, ValueError) as err:
            raise ValidationError("Not a time between the years 1 and 9999.") from err
        return moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment


class InboxQuery(ConversationsQuery):
    status = fields.String(
        validate=validate.OneOf(["open", "closed", "snoozed"]),
        metadata={"description": "open: open and not snoozed; snoozed: open and snoozed."},
    )
    label = fields.String(validate=LABEL)
    q = fields.String(
        validate=[validate.Length(min=1, max=200), _searchable],
        metadata={
            "description": "The visitor's name, email or user id containing ``q``, or the words "
            'of any message or note (all words, the last as a prefix; "quoted phrases"; '
            "docs/admin.md)."
        },
    )
    created_after = Instant(
        metadata={"description": "Only conversations started at or after this time (RFC 3339)."}
    )
    created_before = Instant(
        metadata={"description": "Only conversations started before this time (RFC 3339)."}
    )


def visitor_matching(q: str) -> Any:
    """Conversations whose visitor's name, email or user id contains ``q`` (a ``LIKE``: the
    visitors table is small beside the messages)."""
    needle = q.lower()
    return (
        select(Visitor.id)
        .where(
            Visitor.id == Conversation.visitor_id,
            or_(
                func.lower(Visitor.name).contains(needle, autoescape=True),
                func.lower(Visitor.email).contains(needle, autoescape=True),
                func.lower(Visitor.external_id).contains(needle, autoescape=True),
            ),
        )
        .exists()
    )


def matching(q: str) -> Any:
    """Conversations whose visitor contains ``q`` or whose messages or notes match its words
    (full text, :mod:`chinwag.search`)."""
    messages, notes = search.conversation_ids(search.parse(q), inbox_surface.enabled_plugins())
    return or_(visitor_matching(q), Conversation.id.in_(messages), Conversation.id.in_(notes))


def decorate(convs: list[Conversation], q: str | None = None) -> list[dict[str, Any]]:
    """Each conversation with its site name, unread count, waiting time and last message (and,
    for a search ``q``, the snippets that matched)."""
    ids = [c.id for c in convs]
    if not ids:
        return []
    found = search.snippets(ids, search.parse(q), inbox_surface.enabled_plugins()) if q else {}
    unread = dict(
        db.session.execute(
            select(Message.conversation_id, func.count())
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.conversation_id.in_(ids),
                Message.author_kind == "visitor",
                Message.seq > Conversation.agent_read_seq,
            )
            .group_by(Message.conversation_id)
        ).all()
    )
    answered = aliased(Message)
    last_answer = (
        select(func.coalesce(func.max(answered.seq), 0))
        .where(answered.conversation_id == Message.conversation_id, answered.author_kind == "agent")
        .scalar_subquery()
    )
    waiting: dict[int, datetime] = dict(
        db.session.execute(
            select(Message.conversation_id, func.min(Message.created_at))
            .where(
                Message.conversation_id.in_(ids),
                Message.author_kind == "visitor",
                Message.seq > last_answer,
            )
            .group_by(Message.conversation_id)
        ).all()
    )
    last = {
        m.conversation_id: m
        for m in db.session.execute(
            select(Message)
            .join(
                Conversation,
                and_(
                    Conversation.id == Message.conversation_id, Message.seq == Conversation.last_seq
                ),
            )
            .where(Message.conversation_id.in_(ids))
        ).scalars()
    }
    labels: dict[int, list[str]] = {}
    for conv_id, label in db.session.execute(
        select(ConversationLabel.conversation_id, ConversationLabel.label)
        .where(ConversationLabel.conversation_id.in_(ids))
        .order_by(ConversationLabel.label)
    ):
        labels.setdefault(conv_id, []).append(label)
    annotations = annotations_of(ids, inbox_surface.enabled_plugins(), messages=False)
    sites = dict(
        db.session.execute(
            select(Site.id, Site.name).where(Site.id.in_({c.site_id for c in convs}))
        ).all()
    )
    out = []
    for c in convs:
        row: dict[str, Any] = {name: getattr(c, name) for name in FIELDS}
        m = last.get(c.id)
        row.update(
            site_name=sites.get(c.site_id, ""),
            unread=unread.get(c.id, 0),
            labels=labels.get(c.id, []),
            snoozed_until=c.snoozed_until if snoozed(c) else None,
            annotations=annotations.get(c.id, []),
            matches=found.get(c.id, []),
            waiting_since=waiting.get(c.id) if c.status == "open" else None,
            last_message=None
            if m is None
            else {
                "author_kind": m.author_kind,
                "author_name": m.author_name,
                "preview": preview(m),
                "created_at": m.created_at,
            },
        )
        out.append(row)
    return out


@endpoint(
    bp,
    "/conversations",
    query=InboxQuery,
    response=InboxConversationOut,
    many=True,
    roles=AGENT_ROLES,
)
def inbox_conversations(query: dict[str, Any]) -> Any:
    """The inbox's list: filters as ``/conversations``, newest activity first; only the sites
    the agent sees (chinwag.access)."""
    stmt = (
        select(Conversation)
        .where(access.visible(g.user.id))
        .order_by(Conversation.updated_at.desc())
        .limit(query["limit"])
    )
    if query.get("site_id"):
        stmt = stmt.where(Conversation.site_id == query["site_id"])
    if query.get("team_id"):
        stmt = stmt.where(Conversation.team_id == query["team_id"])
    if query.get("created_after") is not None:
        stmt = stmt.where(Conversation.created_at >= query["created_after"])
    if query.get("created_before") is not None:
        stmt = stmt.where(Conversation.created_at < query["created_before"])
    if query["assignee"] == "unassigned":
        stmt = stmt.where(Conversation.assignee_user_id.is_(None))
    elif query["assignee"] == "mine":
        stmt = stmt.where(Conversation.assignee_user_id == g.user.id)
    status = query.get("status")
    if status == "snoozed":
        stmt = stmt.where(Conversation.status == "open", Conversation.snoozed_until > stored_now())
    elif status:
        stmt = stmt.where(Conversation.status == status)
    if status == "open":
        stmt = stmt.where(
            or_(Conversation.snoozed_until.is_(None), Conversation.snoozed_until <= stored_now())
        )
    if query.get("q"):
        stmt = stmt.where(matching(query["q"]))
    if query.get("label"):
        stmt = stmt.where(
            exists().where(
                ConversationLabel.conversation_id == Conversation.id,
                ConversationLabel.label == query["label"],
            )
        )
    return decorate(list(db.session.execute(stmt).scalars()), query.get("q"))


class InboxSiteOut(Schema):
    id = fields.Integer()
    name = fields.String()


@endpoint(bp, "/sites", response=InboxSiteOut, many=True, roles=AGENT_ROLES)
def inbox_sites() -> Any:
    """The sites whose conversations the signed-in agent sees (chinwag.access): the inbox's
    Site filter. Admins get every site."""
    return db.session.execute(
        select(Site.id, Site.name).where(access.visible(g.user.id, Site.id)).order_by(Site.name)
    ).all()


@endpoint(
    bp,
    "/visitors/<int:visitor_id>/conversations",
    response=InboxConversationOut,
    many=True,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def visitor_conversations(visitor_id: int) -> Any:
    """Every conversation of one visitor, newest first: the visitor panel's history."""
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None or not access.may_see(_agent(), visitor.site_id):
        raise ApiError("not_found", "No such visitor.", 404)
    stmt = (
        select(Conversation)
        .where(Conversation.visitor_id == visitor_id)
        .order_by(Conversation.updated_at.desc())
        .limit(50)
    )
    return decorate(list(db.session.execute(stmt).scalars()))


class LabelsIn(Strict):
    labels = fields.List(
        fields.String(validate=LABEL), required=True, validate=validate.Length(max=20)
    )


class LabelsOut(Schema):
    labels = fields.List(fields.String())


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/labels",
    methods=["PUT"],
    body=LabelsIn,
    response=LabelsOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def set_labels(conversation_id: int, body: dict[str, Any]) -> Any:
    """Replace a conversation's labels (sorted, duplicates dropped). The agents who see it get
    ``conversation.update`` with its ``labels``."""
    conv = _conversation_or_404(conversation_id)
    wanted = sorted(set(body["labels"]))
    db.session.execute(
        delete(ConversationLabel).where(ConversationLabel.conversation_id == conversation_id)
    )
    db.session.add_all(ConversationLabel(conversation_id=conversation_id, label=x) for x in wanted)
    audit.record(g.user, "conversation.labels", "conversation", conv.id, labels=wanted)
    db.session.commit()
    payload = {"conversation": {**conversation_dict(conv, True), "labels": wanted}}
    emit(ev.CONVERSATION_UPDATE, payload, site_rooms(conv.site_id), ev.AGENT)
    return {"labels": wanted}


@endpoint(bp, "/labels", response=LabelsOut, roles=AGENT_ROLES)
def all_labels() -> Any:
    """Every label in use on the sites the agent sees, for the filter and suggestions."""
    rows = db.session.execute(
        select(ConversationLabel.label)
        .join(Conversation, Conversation.id == ConversationLabel.conversation_id)
        .where(access.visible(g.user.id))
        .distinct()
        .order_by(ConversationLabel.label)
    ).scalars()
    return {"labels": list(rows)}


# -- the plugin surface and internal notes (chinwag.inbox_surface) ------------------------------


def _agent() -> Actor:
    return Actor("agent", g.user.id, None, g.user.name or g.user.email)


def _conversation_or_404(conversation_id: int) -> Conversation:
    """The conversation if the signed-in agent may see it (chinwag.access), else 404."""
    return conversation_for(_agent(), conversation_id)


class AnnotationsOut(Schema):
    annotations = fields.List(fields.Nested(AnnotationOut))


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/annotations",
    response=AnnotationsOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def conversation_annotations(conversation_id: int) -> Any:
    """Every annotation of enabled plugins on a conversation and its messages."""
    _conversation_or_404(conversation_id)
    found = annotations_of([conversation_id], inbox_surface.enabled_plugins())
    return {"annotations": found[conversation_id]}


class NoteOut(Schema):
    """An internal note: agents only, never sent to the visitor."""

    id = fields.Integer()
    conversation_id = fields.Integer()
    author_kind = fields.String(metadata={"enum": ["agent", "plugin"]})
    author_name = fields.String()
    author_user_id = fields.Integer(allow_none=True)
    author_plugin = fields.String(allow_none=True)
    text = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})


class NotesOut(Schema):
    notes = fields.List(fields.Nested(NoteOut))


class NoteIn(Strict):
    text = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=4000),
            validate.Regexp(r"\S", error="A note needs some text."),
        ],
    )


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/notes",
    response=NotesOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def conversation_notes(conversation_id: int) -> Any:
    """A conversation's internal notes, oldest first (a disabled plugin's left out)."""
    _conversation_or_404(conversation_id)
    return {"notes": notes_of(conversation_id, inbox_surface.enabled_plugins())}


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/notes",
    methods=["POST"],
    body=NoteIn,
    response=NoteOut,
    status=201,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def add_note(conversation_id: int, body: dict[str, Any]) -> Any:
    """Write an internal note as the signed-in agent; every agent sees it at once (``note.new``
    on ``/agent``), the visitor never does."""
    conv = _conversation_or_404(conversation_id)
    user = g.user
    # committed with the note; its text stays out of the audit log
    audit.record(user, "conversation.note", "conversation", conv.id, site_id=conv.site_id)
    return inbox_surface.post_note(
        conversation_id, body["text"], user_id=user.id, author_name=user.name or user.email
    ), 201


class PanelOut(Schema):
    """A plugin's section of the side pane; ``components`` use the widget's vocabulary."""

    id = fields.String()
    plugin = fields.String()
    plugin_name = fields.String()
    key = fields.String()
    title = fields.String()
    components = fields.List(fields.Dict())


class PanelsOut(Schema):
    panels = fields.List(fields.Nested(PanelOut))


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/panels",
    response=PanelsOut,
    roles=AGENT_ROLES,
    errors=("not_found",),
)
def conversation_panels(conversation_id: int) -> Any:
    """The side-pane panels enabled plugins show for this conversation (``chinwag.inbox``)."""
    _conversation_or_404(conversation_id)
    return {"panels": inbox_surface.panels_for(conversation_id)}


SNOOZE_MAX_DAYS = 90


class SnoozeIn(Strict):
    until = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={
            "description": "RFC 3339 with an offset, in the future, at most 90 days on; null wakes it."
        },
    )


class SnoozeOut(Schema):
    id = fields.Integer()
    snoozed_until = UtcDateTime(allow_none=True)


@endpoint(
    bp,
    "/conversations/<int:conversation_id>/snooze",
    methods=["PUT"],
    body=SnoozeIn,
    response=SnoozeOut,
    roles=AGENT_ROLES,
    errors=("not_found", "bad_snooze", "not_open"),
)
def snooze_conversation(conversation_id: int, body: dict[str, Any]) -> Any:
    """Snooze an open conversation until a time (it leaves the open list, comes back by itself
    then, or as soon as the visitor writes); ``until: null`` wakes it now."""
    conv = _conversation_or_404(conversation_id)
    until = body["until"]
    if until is not None:
        if conv.status != "open":
            raise ApiError("not_open", "Only an open conversation can be snoozed.", 409)
        try:
            moment = until.astimezone(UTC)
        except (OverflowError, ValueError):  # leaves the years 1-9999 in UTC
            moment = datetime.min.replace(tzinfo=UTC)
        if moment <= datetime.now(UTC) or moment > datetime.now(UTC) + timedelta(
            days=SNOOZE_MAX_DAYS
        ):
            raise ApiError(
                "bad_snooze", f"Snooze until a time in the next {SNOOZE_MAX_DAYS} days.", 400
            )
        until = moment
    audit.record(
        g.user, "conversation.snooze", "conversation", conv.id, until=until and until.isoformat()
    )
    conv = inbox_surface.snooze(conversation_id, until, f"agent:{g.user.id}")
    return {"id": conv.id, "snoozed_until": until}
