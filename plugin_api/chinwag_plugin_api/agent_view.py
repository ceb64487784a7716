"""Agents' view: a visitor's message masked for everyone but the visitor.

An inbound processor changes the one stored text that everybody reads. An ``AgentView`` hook
instead makes the *agents' copy* of a visitor's message: the core stores that copy as the
message (so every agent-facing path — the inbox's REST and ``/agent`` socket events, search and
its snippets, previews, events to plugins, analytics sinks — has only the mask, with no path
that could forget it) and keeps what the visitor wrote beside it, for the visitor alone: their
acknowledgement and history in the widget, their transcript and their privacy export.

It fails closed: a hook that raises or runs over its time budget makes the core store the
message for agents as :data:`WITHHELD_TEXT` (no blocks), with ``annotations["chinwag"] =
{"withheld": "<plugin>"}``; the visitor still has their message, chat goes on, and the failure
is counted in the plugin's health. Added in 1.5.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from chinwag_plugin_api.versions import added

if TYPE_CHECKING:
    from chinwag_plugin_api.context import MessageDraft, PluginContext

#: what agents see of a message whose ``AgentView`` hook failed
WITHHELD_TEXT = "This message is withheld from agents: a privacy filter could not check it."


@added("1.5")
class AgentView(ABC):
    """Makes what agents see of a visitor's message (masked personal data, say), while the
    visitor keeps what they wrote.

    Called once per stored visitor message, after the inbound processors (on what they made of
    it), never for a re-sent ``client_msg_id``. Return the agents' copy — a changed draft (its
    ``text``, ``blocks`` and ``annotations`` are used) — or None when agents may see the message
    as the visitor sent it. Several hooks chain in plugin order, each on the previous copy. Keep
    it pure: no database writes. A hook that raises or times out withholds the message from
    agents (:data:`WITHHELD_TEXT`), never the other way round.
    """

    namespace: ClassVar[str] = "chinwag.agent_view"

    @abstractmethod
    def agent_copy(self, ctx: PluginContext, draft: MessageDraft) -> MessageDraft | None:
        """Return the agents' copy of ``draft``, or None to show it to agents as it is."""
