"""The two call sites into plugin-API pieces other branches add: ``ctx.publish`` (plugin events)
and ``ctx.annotate`` (inbox annotations).

Both are services of the API 1.x context. On a core that does not offer them yet the call is
skipped and logged once at debug level, never emulated: the rating itself is stored either way.
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import Event, PluginContext


def publish(ctx: PluginContext, event: Event) -> None:
    """Hand ``event`` to the app's bus (after the current transaction commits)."""
    fn: Any = getattr(ctx, "publish", None)
    if fn is None:
        ctx.logger.debug("ctx.publish is not available on this core; %s not published", event.name)
        return
    fn(event)


def annotate(
    ctx: PluginContext,
    conversation_id: int,
    key: str,
    *,
    label: str,
    message_id: int | None = None,
    tone: str = "neutral",
    detail: str | None = None,
) -> None:
    """Show ``label`` on the conversation (or one of its messages) in the agents' inbox, live."""
    fn: Any = getattr(ctx, "annotate", None)
    if fn is None:
        ctx.logger.debug("ctx.annotate is not available on this core; %s not shown", key)
        return
    fn(conversation_id, key, label=label, message_id=message_id, tone=tone, detail=detail)
