"""The plugin's typed events (``chinwag.events`` entry points), published with ``ctx.publish``
so analytics sinks and listeners see which help articles visitors read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chinwag_plugin_api import Event


@dataclass(frozen=True)
class ArticleViewed(Event):
    """A visitor opened a help article in the widget's Help tab.

    :param visitor_id: the visitor.
    :param conversation_id: the conversation open in the widget, if any.
    :param article_id: the article read.
    """

    name: ClassVar[str] = "kb.article_viewed"
    visitor_id: int
    conversation_id: int | None
    article_id: int
