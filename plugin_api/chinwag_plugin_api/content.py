"""Content checks: plugins that advise authors on what they write (canned replies, articles).

When an admin or agent saves a canned response, the core asks every enabled
``chinwag.content_checks`` plugin about its text and shows their advice under the editor; a
plugin's own editor (chinwag-kb's articles, say) asks the same plugins through
:meth:`~chinwag_plugin_api.PluginContext.content_advice`. Advice never blocks a save: it is
shown to the author, who decides.

Added in 1.4.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from chinwag_plugin_api.values import ADVICE_SEVERITIES as ADVICE_SEVERITIES
from chinwag_plugin_api.values import Advice as Advice
from chinwag_plugin_api.versions import added

if TYPE_CHECKING:
    from chinwag_plugin_api.context import PluginContext


@added("1.4")
class ContentCheck(ABC):
    """Advises authors on a text they are saving: a canned response in the admin, an article in
    a plugin's editor (accessibility, house style, spelling...).

    Called when a canned response is created or changed (``POST`` and ``PATCH``
    ``/api/v1/canned-responses``: the answer carries the ``advice``) and whenever a plugin calls
    ``ctx.content_advice(site_id, text, blocks)``. Keep it fast and pure. A check that raises or
    times out is skipped and counted in the plugin's health; the others still advise, and the
    save goes through either way.
    """

    namespace: ClassVar[str] = "chinwag.content_checks"

    @abstractmethod
    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> Sequence[Advice]:
        """Return the advice on ``text`` (Markdown as agents write it, variables such as
        ``{visitor.name}`` unfilled) and ``blocks`` (message blocks, as in
        :class:`~chinwag_plugin_api.MessageDraft`) written for ``site_id`` (None: every site);
        empty when all is well."""
