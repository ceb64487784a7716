"""The core's tables. Each column is defined here once; schemas and migrations follow from it."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api import Model
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chinwag.secrets_at_rest import EncryptedText


def utcnow() -> datetime:
    return datetime.now(UTC)


class Site(Model):
    """A website that embeds the widget. ``site_key`` is public; ``identity_secret`` is not."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    site_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    widget_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: encrypted in the database (chinwag.secrets_at_rest); read and written as plaintext
    identity_secret: Mapped[str] = mapped_column(EncryptedText())
    identity_secret_previous: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    identity_required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Model):
    """An admin or agent. ``token_version`` is bumped to revoke every token issued before."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    email_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: what visitors see of an agent (``chinwag.profiles``): never the email
    display_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    avatar_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class Visitor(Model):
    """A person using the widget on a site. Only a hash of their token is stored."""

    __tablename__ = "visitors"
    #: SQLite: an erased visitor's id is never handed to a new one (migration 0021)
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    #: who vouches for ``email``: ``identity`` (the site's signed identity) or ``link`` (the
    #: visitor opened a confirmation link mailed to it); None: nobody (chinwag.visitors.set_email)
    email_verified_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    referrer: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UsedLink(Model):
    """A self-service link (docs/privacy.md) that was used: its nonce, kept until the link
    expires (a used link answers ``link_used`` until then, ``link_expired`` after), then purged by
    the retention job. The primary key makes "use once" hold across every process."""

    __tablename__ = "used_links"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class VisitorToken(Model):
    """A visitor's bearer token, stored as its SHA-256 only; one per browser session."""

    __tablename__ = "visitor_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Conversation(Model):
    """A thread between a visitor and the site's agents and bots; ``last_seq`` numbers its messages.

    ``opening_client_msg_id`` is the idempotency key of the message that created it: unique per
    visitor, so the same first message sent twice (two tabs, two server processes) opens one
    conversation."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("visitor_id", "opening_client_msg_id"),
        {"sqlite_autoincrement": True},  # ids never reused (migrations 0023, 0025)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    assignee_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    opening_client_msg_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    visitor_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    agent_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: hidden from the inbox's open list until then; a visitor message wakes it (inbox_surface)
    snoozed_until: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    #: the team it is routed to (optional, chinwag.teams); who may see it follows its site
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), nullable=True, index=True
    )

    visitor: Mapped[Visitor] = relationship(lazy="joined")


def search_vector_sql(column: str = "text") -> str:
    """PostgreSQL's search vector of ``column``: the ``simple`` parser over the text with every
    ASCII punctuation mark read as a space. The parser alone keeps ``bob@example.com``, URLs,
    host names and ``v1.2`` as single tokens that no query of words matched; as spaces, they are
    words as SQLite's FTS5 (``unicode61``) and :func:`chinwag.search.parse` read them. The index
    (migration 0024_search_punctuation) and the query use this same expression, so the index
    serves the query."""
    marks = string.punctuation.replace("'", "''")
    blanks = " " * len(string.punctuation)
    return f"to_tsvector('simple'::regconfig, translate({column}, '{marks}', '{blanks}'))"


def text_search_index(name: str) -> Index:
    """PostgreSQL's full-text (GIN) index over a table's ``text`` column (chinwag.search,
    migrations 0018_search and 0024_search_punctuation); on SQLite, 0018's FTS5 tables play
    its part."""
    expression = text(search_vector_sql())
    return Index(name, expression, postgresql_using="gin").ddl_if(dialect="postgresql")


class Message(Model):
    """One message. ``seq`` is assigned in the storing transaction; re-sends are deduplicated.

    ``text``/``blocks`` are what agents see; ``visitor_text``/``visitor_blocks``, when set, what
    the visitor sees (``chinwag_plugin_api.AgentView``): so a path that forgets the difference
    shows agents the mask, never the original."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "sender", "client_msg_id"),
        text_search_index("ix_messages_fts"),
        {"sqlite_autoincrement": True},  # ids never reused (migrations 0023, 0025)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(80))
    client_msg_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    author_kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: what the visitor wrote when an ``AgentView`` hook masked it for agents: ``text`` and
    #: ``blocks`` are then the agents' copy, and these the visitor's own (None: the same)
    visitor_text: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    visitor_blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON, nullable=True, default=None
    )


class InboxEvent(Model):
    """The agents' event log: ``inbox.sync {after_event_id}`` replays it after a reconnect."""

    __tablename__ = "inbox_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PluginState(Model):
    """Enabled flag and settings of one plugin distribution; ``revision`` orders changes."""

    __tablename__ = "plugin_states"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Model):
    """Who changed what, and when. Written in the same transaction as the change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    #: the distribution name of the plugin that wrote the entry (``ctx.audit``; its action is
    #: ``<plugin>.<action>``), None for the core's own entries
    plugin: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: actor, action, target and details in lower case: what the audit search matches, with one
    #: LIKE on one column instead of case-folding five columns and a JSON cast on every row
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
