"""Privacy requests: the cluster holds the visitor's events under their pseudonym; the plugin's
table knows which pseudonym that is. Erasure deletes the documents (``_delete_by_query``), then
the row; a cluster that cannot be reached makes the erasure raise, so the host names the plugin
in the answer and the audit entry, and the row stays for the next attempt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import PluginContext, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_elasticsearch import documents
from chinwag_elasticsearch.client import Cluster
from chinwag_elasticsearch.models import IndexedVisitor


def _pseudonyms(ctx: PluginContext, visitor: VisitorRef) -> list[str]:
    return list(
        ctx.db_session.scalars(
            select(IndexedVisitor.distinct_id).where(IndexedVisitor.visitor_id == visitor.id)
        )
    )


class ElasticsearchPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        prefix = str(ctx.settings.get("index_prefix") or "chinwag")
        return {
            "distinct_ids": _pseudonyms(ctx, visitor),
            "note": "The visitor's analytics events are indexed under these pseudonymous ids in "
            f"the indices {documents.index_pattern(prefix)} of the site's Elasticsearch or "
            "OpenSearch cluster.",
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        ids = _pseudonyms(ctx, visitor)
        if not ids:
            return  # none of their events reached the cluster
        prefix = str(ctx.settings.get("index_prefix") or "chinwag")
        cluster = Cluster(ctx.settings)
        try:
            cluster.delete_by_query(
                documents.index_pattern(prefix), {"terms": {"distinct_id": ids}}
            )
        finally:
            cluster.close()
        ctx.db_session.execute(
            delete(IndexedVisitor).where(IndexedVisitor.visitor_id == visitor.id)
        )
        ctx.db_session.commit()
