"""Revocation on the next event, in every process (issue 21 item 6).

Disabling an agent, demoting an admin, "sign out everywhere", erasing a visitor or turning on a
site's "enforce identity" revokes tokens in the database; each socket of this process also
re-checks its token every ~2 s. That left a window in which a disabled agent still read the
inbox and sent messages. Now the action that revokes also drops every socket of that actor: in
this process at once, in the others through the Redis channel (a signed control payload,
realtime/pubsub.py). It sits below the REST API and the real-time layer, which
both call it. A dropped socket's next event is refused (``not_connected``) and the
client is told ``session.revoked`` before it is disconnected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app

from chinwag import events as ev
from chinwag.state import state

log = logging.getLogger(__name__)

#: the pub/sub ``method`` of a revocation (python-socketio ignores methods it does not know)
METHOD = "chinwag.revoke"
_NAMESPACES = {"agent": ev.AGENT, "visitor": ev.WIDGET}


def revoke(kind: str, ids: Iterable[int], code: str = "token_revoked") -> None:
    """Drop every socket of these agents (``kind="agent"``) or visitors, everywhere. Call it
    after the commit that revoked their tokens."""
    body = {"kind": kind, "ids": sorted({int(i) for i in ids}), "code": code}
    if not body["ids"]:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    apply(app, body)
    publish = getattr(state(app).server().server.manager, "publish_control", None)
    if publish is not None:
        publish({"method": METHOD, **body})


def apply(app: Flask, body: dict[str, Any]) -> int:
    """Drop this process's sockets named by a revocation; how many."""
    socketio = state(app).server()
    sockets = state(app).sockets
    kind, code = str(body.get("kind")), str(body.get("code") or "token_revoked")
    namespace = _NAMESPACES.get(kind)
    ids = {int(i) for i in body.get("ids") or ()}
    if namespace is None or not ids:
        return 0
    dropped = 0
    for socket_id, session in list(sockets.items()):
        if session.kind != kind or session.actor_id not in ids:
            continue
        sockets.pop(socket_id, None)
        socketio.server.emit(ev.SESSION_REVOKED, {"code": code}, to=socket_id, namespace=namespace)
        socketio.server.disconnect(socket_id, namespace=namespace)
        dropped += 1
    if dropped:
        log.info("revoked %d %s socket(s)", dropped, kind)
    return dropped


def end_anonymous_sessions(site_id: int) -> list[int]:
    """A site now enforces identity: its anonymous visitors' tokens (valid for up to a day) are
    deleted and their sockets dropped everywhere; the ids of those visitors."""
    from sqlalchemy import delete, select

    from chinwag.extensions import db
    from chinwag.models import Visitor, VisitorToken

    anonymous = select(Visitor.id).where(Visitor.site_id == site_id, Visitor.verified.is_(False))
    ids = sorted(
        db.session.execute(
            select(VisitorToken.visitor_id).where(VisitorToken.visitor_id.in_(anonymous)).distinct()
        ).scalars()
    )
    db.session.execute(delete(VisitorToken).where(VisitorToken.visitor_id.in_(anonymous)))
    db.session.commit()
    revoke("visitor", ids, "identity_required")
    return ids
