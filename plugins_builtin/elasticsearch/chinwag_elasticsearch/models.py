"""The plugin's one table: which pseudonym (``distinct_id``) each visitor's documents carry.

The documents never hold Chinwag's own visitor id, and the pseudonym cannot be computed back from
it by a plugin; this row is what lets an erasure request find the visitor's documents in the
cluster (``_delete_by_query`` on the pseudonym). It is erased with them.
"""

from __future__ import annotations

from chinwag_plugin_api import Model
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class IndexedVisitor(Model):
    """A visitor some of whose events were sent to the cluster, and their pseudonym there."""

    __tablename__ = "elasticsearch_visitors"
    visitor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(Integer)
    distinct_id: Mapped[str] = mapped_column(String(64))
