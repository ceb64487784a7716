"""Values shared by the context and the extension points: the base of every typed event and a
content check's advice.

:class:`~chinwag_plugin_api.PluginContext` takes an :class:`Event` (``publish``) and returns
:class:`Advice` (``content_advice``), while the modules of listeners and content checks name
the context in their hooks' signatures. Both values live here, below either side, so that the
context never imports an extension point's module back. Their modules re-export them:
``chinwag_plugin_api.events.Event`` and ``chinwag_plugin_api.content.Advice`` keep working.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from chinwag_plugin_api.versions import added


@dataclass(frozen=True)
class Event:
    """The fields every event has.

    :param site_id: the site the change belongs to (None for changes of no site: a user, a plugin).
    """

    #: ``resource.action``, the event's name in the catalogue
    name: ClassVar[str] = ""
    site_id: int | None

    def lane(self) -> Hashable:
        """Events of one lane are delivered one at a time, in order (a conversation, a visitor)."""
        conversation_id = getattr(self, "conversation_id", None)
        if conversation_id is not None:
            return ("conversation", conversation_id)
        visitor_id = getattr(self, "visitor_id", None)
        if visitor_id is not None:
            return ("visitor", visitor_id)
        return ("site", self.site_id)


#: what a piece of advice means for the author, strongest first
ADVICE_SEVERITIES = ("error", "warning", "advice")


@added("1.4")
@dataclass(frozen=True)
class Advice:
    """One thing a content check has to say about a text.

    :param code: a stable machine code, e.g. ``"vague_link"``.
    :param message: one sentence for the author, saying what to change.
    :param severity: ``error`` (fails a rule the plugin holds to, e.g. a WCAG criterion),
        ``warning`` or ``advice``; anything else is shown as ``advice``.
    """

    code: str
    message: str
    severity: str = "advice"

    def as_dict(self) -> dict[str, Any]:
        """The advice as JSON."""
        return asdict(self)
