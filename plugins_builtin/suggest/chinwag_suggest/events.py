"""The plugin's typed events (``chinwag.events`` entry points), published with ``ctx.publish``
so analytics sinks and listeners see which chips were shown and clicked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chinwag_plugin_api import Event


@dataclass(frozen=True)
class SuggestionShown(Event):
    """Chips were offered in a conversation (or, for page chips, on a page).

    :param conversation_id: the conversation; None for page chips shown before one began.
    :param visitor_id: its visitor.
    :param suggestion_ids: the suggestions offered, in order.
    """

    name: ClassVar[str] = "suggest.shown"
    conversation_id: int | None
    visitor_id: int
    suggestion_ids: tuple[int, ...]


@dataclass(frozen=True)
class SuggestionClicked(Event):
    """A visitor picked a chip.

    :param conversation_id: the conversation.
    :param visitor_id: its visitor.
    :param suggestion_id: the suggestion picked.
    """

    name: ClassVar[str] = "suggest.clicked"
    conversation_id: int
    visitor_id: int
    suggestion_id: int
