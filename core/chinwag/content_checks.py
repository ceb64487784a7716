"""The ``chinwag.content_checks`` extension point, from the core's side.

The core judges no text itself: it asks every enabled content-check plugin about what an author
saves (a canned response, or whatever a plugin's editor passes to ``ctx.content_advice``) and
hands their advice back to the author. Advice never blocks a save.

A check that asks for advice itself (``ctx.content_advice`` inside ``check``) would ask itself
again without end: the inner call raises ``PluginError`` (``content_advice_recursion``), so that
check is skipped and counted in its plugin's health, and the other checks still answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from chinwag_plugin_api import Advice, ContentCheck, PluginError

from chinwag.state import state

#: set while the checks run (per thread / greenlet): a check asking again is refused
_CHECKING: ContextVar[bool] = ContextVar("chinwag_content_checking", default=False)


def advice(
    site_id: int | None, text: str, blocks: Sequence[Mapping[str, Any]] = ()
) -> list[tuple[str, Advice]]:
    """Every enabled content check's advice, with the plugin that gave each, in hook order.

    A check that fails, times out or answers something else than advice is skipped (the host
    counts it in the plugin's health)."""
    if _CHECKING.get():
        raise PluginError(
            "A content check may not ask for content advice: it would ask itself again.",
            "content_advice_recursion",
            409,
        )
    host = state().plugins
    frozen = [dict(b) for b in blocks]
    out: list[tuple[str, Advice]] = []
    token = _CHECKING.set(True)
    try:
        for record, check in host.extensions(ContentCheck.namespace):
            found: object = host.call(
                record, check.check, state().context(record), site_id, text, frozen
            )
            if isinstance(found, list | tuple):
                out += [(record.name, item) for item in found if isinstance(item, Advice)]
    finally:
        _CHECKING.reset(token)
    return out


def advice_json(
    site_id: int | None, text: str, blocks: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, str]]:
    """The advice as the REST API answers it: ``{plugin, code, message, severity}``."""
    return [
        {
            "plugin": plugin,
            "code": item.code,
            "message": item.message,
            "severity": item.severity if item.severity in ("error", "warning") else "advice",
        }
        for plugin, item in advice(site_id, text, blocks)
    ]
