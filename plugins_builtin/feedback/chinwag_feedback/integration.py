"""The plugin's two calls into the agents' side: typed events on the bus (``ctx.publish``,
plugin API 1.2) and chips in the inbox (``ctx.annotate``, plugin API 1.1).

An annotation is a courtesy shown after the rating was committed: one that cannot be shown
(the conversation was erased meanwhile) is logged, never turned into an error for the visitor.
"""

from __future__ import annotations

from chinwag_plugin_api import Event, PluginContext

LABEL_MAX, DETAIL_MAX = 80, 500


def publish(ctx: PluginContext, event: Event) -> None:
    """Hand ``event`` to the app's bus (delivered after the current transaction commits)."""
    ctx.publish(event)


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
    if detail and len(detail) > DETAIL_MAX:
        detail = detail[: DETAIL_MAX - 1] + "…"
    try:
        ctx.annotate(
            conversation_id,
            key,
            label=label[:LABEL_MAX],
            message_id=message_id,
            tone=tone,
            detail=detail,
        )
    except (LookupError, ValueError) as exc:
        ctx.logger.warning("no inbox annotation for conversation %s: %s", conversation_id, exc)
