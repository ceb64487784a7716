"""The seam through which another distribution adds a ranking to :func:`chinwag_kb.search`.

A distribution registers a :class:`SearchExtension` subclass under the entry-point group
``chinwag_kb.search`` (docs/kb.md, "Extending the search")::

    [project.entry-points."chinwag_kb.search"]
    semantic = "chinwag_kb_semantic.extension:Semantic"

The knowledge base works unchanged without any. An extension is used for a site only while its
``distribution`` is enabled for that site (``ctx.plugin_enabled``), read on every search: an
admin switching the plugin off gets pure full text at once. An extension that raises is logged
and skipped, so the search always answers at least with full text.
"""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import ClassVar

from chinwag_plugin_api import PluginContext

GROUP = "chinwag_kb.search"
log = logging.getLogger(__name__)


class SearchExtension(ABC):
    """A second ranking of a site's published articles, fused with the full-text ranking.

    :param distribution: the plugin distribution whose switch turns the extension on.
    """

    distribution: ClassVar[str]

    @abstractmethod
    def rank(
        self, ctx: PluginContext, site_id: int, query: str, *, locale: str | None, limit: int
    ) -> list[tuple[int, float]]:
        """``(article id, score 0..1)`` of up to ``limit`` published articles shown on
        ``site_id``, best first. The score is shown as ``Hit.score`` when it beats the full-text
        one, so it must mean what kb's does: about 0.5 and up is a likely answer.

        :param ctx: the caller's context (any plugin's; read through ``ctx.db_session``).
        :param site_id: the site searched.
        :param query: the visitor's text (at most 500 characters).
        :param locale: the language asked for, or None.
        :param limit: how many to return at most.
        """

    def articles_saved(self, ctx: PluginContext, article_ids: Sequence[int]) -> None:
        """Called by the knowledge base after it committed new or changed articles (saved,
        imported, deleted), while the extension is enabled. Queue slow work on the job queue
        (``ctx.run_in_background``); never do it in the request. ``ctx`` is chinwag-kb's.

        :param ctx: chinwag-kb's context.
        :param article_ids: the ids written (a deleted article's id too).
        """
        return None


@functools.cache
def installed() -> tuple[SearchExtension, ...]:
    """The extensions installed in this environment (loaded once; installing needs a restart,
    as for every plugin). One that fails to import is logged and left out."""
    found: list[SearchExtension] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
            if isinstance(cls, type) and issubclass(cls, SearchExtension):
                found.append(cls())
            else:
                log.error("%s is not a chinwag_kb SearchExtension", ep.value)
        except Exception:
            log.exception("cannot load the knowledge-base search extension %s", ep.value)
    return tuple(found)


def enabled(ctx: PluginContext, site_id: int | None) -> list[SearchExtension]:
    """The installed extensions switched on now (for ``site_id`` when given)."""
    out = []
    for ext in installed():
        try:
            if ctx.plugin_enabled(ext.distribution, site_id):
                out.append(ext)
        except NotImplementedError:
            return []
    return out


def notify_saved(ctx: PluginContext, article_ids: Sequence[int]) -> None:
    """Tell the enabled extensions which articles were just committed; failures are logged."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    for ext in enabled(ctx, None):
        try:
            ext.articles_saved(ctx, ids)
        except Exception:
            ctx.logger.exception("search extension %s failed on saved articles", ext.distribution)
