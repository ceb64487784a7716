"""The message store: one interface (:class:`MessageStore`), three implementations.

See :mod:`chinwag.store.base` for the promises; :func:`batch_store` picks the one the group
commit (chinwag.group_commit) writes with.
"""

from __future__ import annotations

from sqlalchemy import Dialect

from chinwag.store.base import (
    CONVERSATION_COLUMNS,
    JOB_COLUMNS,
    MESSAGE_COLUMNS,
    Job,
    MessageStore,
    Stored,
)
from chinwag.store.orm import OrmStore
from chinwag.store.postgres import PostgresBatchStore
from chinwag.store.sqlite import SqliteBatchStore


def batch_store(dialect: Dialect) -> MessageStore:
    """The fastest store for this database: driver-level on PostgreSQL and SQLite, else the ORM."""
    if dialect.name == "postgresql":
        return PostgresBatchStore()
    if dialect.name == "sqlite":
        return SqliteBatchStore(dialect)
    return OrmStore()


#: the reads (same on every implementation)
reads: MessageStore = OrmStore()

__all__ = [
    "CONVERSATION_COLUMNS",
    "JOB_COLUMNS",
    "MESSAGE_COLUMNS",
    "Job",
    "MessageStore",
    "OrmStore",
    "PostgresBatchStore",
    "SqliteBatchStore",
    "Stored",
    "batch_store",
    "reads",
]
