"""The agent inbox's plugin surface: annotations, internal notes and side-pane panels.

A plugin shows agents what it knows about a conversation in three ways:

- **annotations** (``ctx.annotate`` / ``ctx.clear_annotation``): a short labelled chip with a
  tone, on a conversation (shown on its list row and in the thread's header) or on one of its
  messages (shown under the message). One annotation per (plugin, key, message): annotating the
  same key again replaces it. Agents who have the inbox open see it change at once.
- **internal notes** (``ctx.post_note``): a line in the thread that agents see and visitors never
  do (notes are stored apart from messages, so no code path can deliver one to a visitor).
- **panels** (:class:`InboxPanels`, entry-point namespace ``chinwag.inbox``): sections of the
  inbox's side pane, made of the same data-only components as widget features
  (:mod:`chinwag_plugin_api.widget`). A component's :class:`~chinwag_plugin_api.Action` is sent
  to one of the plugin's ``/agent`` socket events; its acknowledgement may answer
  ``{"components": [...]}`` to replace the panel's content.

Everything a disabled plugin put in the inbox disappears from it (and from the API) within
seconds, without a restart; it comes back when the plugin is enabled again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from chinwag_plugin_api.widget import Component

if TYPE_CHECKING:
    from chinwag_plugin_api.context import ConversationView, PluginContext

#: the tones an annotation may have; the inbox shows each as a word and an icon, never colour only
TONES: tuple[str, ...] = ("neutral", "positive", "negative", "warning")
#: ``key``: 1-64 characters of ``[A-Za-z0-9_.:-]``
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
LABEL_MAX = 80
DETAIL_MAX = 500
NOTE_MAX = 4000


@dataclass(frozen=True)
class Annotation:
    """An annotation as the inbox shows it (and as ``GET /api/v1/inbox/...`` returns it).

    :param plugin: the distribution name of the plugin that set it.
    :param key: the plugin's own name for it (``sentiment``, ``csat``).
    :param label: the chip's text, e.g. ``"Negative sentiment"``.
    :param tone: one of :data:`TONES`.
    :param detail: a longer explanation, shown on demand.
    :param message_id: the message it is about, or None for the whole conversation.
    """

    plugin: str
    key: str
    label: str
    tone: str = "neutral"
    detail: str | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class InboxPanel:
    """One section of the inbox's side pane.

    :param title: its heading.
    :param components: what it shows: components of :mod:`chinwag_plugin_api.widget` (text,
        buttons, lists, inputs, ...); actions go to the plugin's ``/agent`` socket events.
    :param key: the panel's name among this plugin's panels (stable: it keeps the panel's place).
    """

    title: str
    components: Sequence[Component]
    key: str = "main"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "components": [c.as_dict() for c in self.components],
        }


class InboxPanels(ABC):
    """Sections a plugin adds to the inbox's side pane for one conversation.

    Asked each time an agent opens a conversation, and again after a plugin is toggled or
    configured. At most 5 panels of at most 50 components each; an action must name one of the
    plugin's ``/agent`` socket events (otherwise the plugin's panels are refused and the reason
    is in its health). Keep it quick (it runs on the agent's request; a slow or failing one only drops
    this plugin's panels) and read-only.
    """

    namespace: ClassVar[str] = "chinwag.inbox"

    @abstractmethod
    def panels(self, ctx: PluginContext, conversation: ConversationView) -> Sequence[InboxPanel]:
        """Return the panels to show beside ``conversation`` (an empty list: none)."""
