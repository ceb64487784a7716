"""Publish a plugin's events once the transaction they report has committed (``ctx.publish``),
and run other deferred work the same way (:func:`run_after_commit`: ``ctx.send_mail``'s job).

An event handed over while ``db.session`` has a transaction open waits in that session's
``info``; the session's ``after_commit`` hands the waiting events to the bus and a rollback drops
them, so no event describes a change a rollback took back. With no transaction open the event is
published at once. The listeners are registered once, on SQLAlchemy's ``Session`` class, and do
nothing for a session without waiting events.

``after_commit`` may not use the committing session, so the bus is told not to run its cheap
publish-time checks (they may read the plugin state); the deferred subscribers find out on their
own worker whether anyone wants the event.
"""

from __future__ import annotations

from collections.abc import Callable

from chinwag_plugin_api.events import Event
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from chinwag.bus import EventBus
from chinwag.extensions import db

_KEY = "chinwag.pending_events"
_CALLS = "chinwag.pending_calls"


def publish_after_commit(bus: EventBus, event: Event) -> None:
    """Hand ``event`` to ``bus`` after the current transaction commits (now if none). The caller
    names the bus (its app's), so this module sits below the per-app state and the job queue
    can defer its work through it."""
    session: Session = db.session()
    if not session.in_transaction():
        bus.publish(event)
        return
    pending: list[tuple[EventBus, Event]] = session.info.setdefault(_KEY, [])
    pending.append((bus, event))


def run_after_commit(fn: Callable[[], None]) -> None:
    """Call ``fn()`` after the current transaction of ``db.session`` commits (now if none is
    open); never when it rolls back. ``fn`` may not use the committing session."""
    session: Session = db.session()
    if not session.in_transaction():
        fn()
        return
    session.info.setdefault(_CALLS, []).append(fn)


@sa_event.listens_for(Session, "after_commit")
def _flush(session: Session) -> None:
    pending: list[tuple[EventBus, Event]] | None = session.info.pop(_KEY, None)
    for bus, event in pending or ():
        bus.publish(event, checks=False)
    calls: list[Callable[[], None]] | None = session.info.pop(_CALLS, None)
    for fn in calls or ():
        fn()


@sa_event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_CALLS, None)
