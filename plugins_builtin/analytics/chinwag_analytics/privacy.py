"""Privacy requests: the plugin keeps aggregates, which name no visitor, and per-conversation
timing rows, which name the visitor only so that they can be erased with them. When the
retention job deletes a conversation its timing row stays for the reports' medians and rates,
without the visitor (nothing then ties it to a person: ids are never reused)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, update

from chinwag_analytics.models import ConversationFacts


class AnalyticsPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        # counts and timings are not the visitor's personal data worth handing back
        return {
            "note": "chinwag-analytics stores only aggregate figures (counts and response "
            "times); it keeps nothing to export about one visitor."
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        # the core commits the erasure once every plugin's handler has run; daily counts stay
        ctx.db_session.execute(
            delete(ConversationFacts).where(ConversationFacts.visitor_id == visitor.id)
        )

    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Retention: the conversations' timing rows no longer name their visitor."""
        ctx.db_session.execute(
            update(ConversationFacts)
            .where(ConversationFacts.conversation_id.in_(list(conversation_ids)))
            .values(visitor_id=None)
        )
