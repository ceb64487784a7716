"""What the core hands to a plugin's hooks: read-only views and the services a plugin may use."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chinwag_plugin_api.points import StorageDriver


@dataclass(frozen=True)
class VisitorRef:
    """A visitor as plugins see them: ids and the attributes the visitor or site supplied."""

    id: int
    site_id: int
    external_id: str | None = None
    verified: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversationView:
    """A conversation as plugins see it."""

    id: int
    site_id: int
    visitor: VisitorRef
    status: str
    assignee_kind: str | None = None
    assignee_id: str | None = None


@dataclass(frozen=True)
class MessageView:
    """A stored message: ``seq`` orders it within its conversation."""

    id: int
    conversation_id: int
    seq: int
    author_kind: str
    text: str
    blocks: tuple[Mapping[str, Any], ...]
    created_at: datetime


@dataclass
class MessageDraft:
    """A message on its way in or out, before it is stored; processors may change it.

    ``annotations`` is free for plugins to add facts (e.g. detected language) that are stored
    with the message and shown to agents.
    """

    conversation_id: int | None
    author_kind: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    annotations: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """What a responder answers.

    :param text: plain text (a safe Markdown subset in the widget).
    :param blocks: message blocks, validated against the registered block types.
    :param handoff: True hands the conversation to human agents; the bot stops answering it.
    """

    text: str = ""
    blocks: tuple[Mapping[str, Any], ...] = ()
    handoff: bool = False


@dataclass(frozen=True)
class AnalyticsEvent:
    """A product event delivered to analytics sinks after the data change it reports has committed."""

    name: str
    site_id: int | None
    visitor_id: int | None
    properties: Mapping[str, Any]
    occurred_at: datetime


class PluginContext(ABC):
    """Services the core offers to a plugin's hooks. One context per plugin, bound to its settings."""

    #: the plugin's distribution name, e.g. ``"chinwag-media"``
    plugin_name: str
    #: a logger named after the plugin; never log secrets
    logger: logging.Logger

    @property
    @abstractmethod
    def settings(self) -> Mapping[str, Any]:
        """The plugin's current settings (secrets resolved), validated by its settings schema."""

    @property
    @abstractmethod
    def db_session(self) -> Session:
        """The SQLAlchemy session of the current request or job."""

    @abstractmethod
    def storage(self) -> StorageDriver:
        """The deployment's active media storage driver."""

    @abstractmethod
    def site_settings(self, site_id: int) -> Mapping[str, Any]:
        """The widget settings of a site (read-only)."""

    @abstractmethod
    def post_message(
        self, conversation_id: int, text: str = "", blocks: tuple[Mapping[str, Any], ...] = ()
    ) -> MessageView:
        """Store a bot message in a conversation and deliver it to every participant."""

    @abstractmethod
    def emit(self, conversation_id: int, event: str, payload: Mapping[str, Any]) -> None:
        """Send a plugin event (named ``<plugin>.<action>``) to a conversation's participants."""
