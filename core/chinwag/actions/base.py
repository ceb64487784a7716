"""What every action shares: who acts, the clock, the write transaction, access, and the way out.

An action validates, changes the database in one short transaction, and only after the commit
hands typed events (:mod:`chinwag_plugin_api.events`) to the app's bus with :func:`emit`. Events
therefore never describe a change a rollback could take back, and an acknowledgement always
means "stored".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chinwag_plugin_api.events import Event
from flask import current_app

from chinwag import access
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Conversation, InboxEvent
from chinwag.state import state


@contextmanager
def write_transaction() -> Iterator[None]:
    """One short write transaction. On SQLite one writer at a time per app, and no green-thread
    switch can happen while the lock is held (no I/O but SQLite's own inside)."""
    sqlite = db.engine.dialect.name == "sqlite"
    writer = state().sqlite_writer
    if sqlite:
        writer.acquire()
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if sqlite:
            writer.release()


@dataclass(frozen=True)
class Actor:
    """Who acts: a visitor (``visitor_id``), an agent (``user_id``) or a bot (``plugin``)."""

    kind: str
    id: int | str
    site_id: int | None = None
    name: str | None = None

    @property
    def sender(self) -> str:
        return f"{self.kind}:{self.id}"


def actor_of(user: Any) -> str | None:
    """``agent:<id>`` for a signed-in user (REST, admin), None for the CLI."""
    return None if user is None else f"agent:{user.id}"


def now() -> datetime:
    return datetime.now(UTC)


def stored_now() -> datetime:
    """Now, as the database gives it back when the row is read (SQLite keeps no offset)."""
    value = now()
    return value.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else value


def config(key: str) -> Any:
    return current_app.config[key]


def emit(*events: Event) -> None:
    """Hand committed events to the app's bus (the only way an action tells the world)."""
    state().bus.publish(*events)


def inbox_event(site_id: int, kind: str, payload: dict[str, Any]) -> InboxEvent:
    """An entry of the agents' inbox log, written in the action's transaction (``kind`` is one of
    :data:`chinwag.events.INBOX`)."""
    row = InboxEvent(site_id=site_id, kind=kind, payload=payload)
    db.session.add(row)
    return row


def conversation_for(actor: Actor, conversation_id: int) -> Conversation:
    """The conversation if ``actor`` may see it (:mod:`chinwag.access`: a visitor's own, an
    agent's sites); otherwise 404, as for one that does not exist (never reveal it exists)."""
    conv = db.session.get(Conversation, conversation_id)
    if conv is None or not access.may_see(actor, conv.site_id, conv.visitor_id):
        raise ApiError("not_found", "No such conversation.", 404)
    return conv
