"""``chinwag run`` re-checks every visitor socket in one query every 2 s: a token that expires or
is erased while its socket sits idle is refused and the socket closed within seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from realtime_helpers import new_visitor, visitor_socket, wait_for
from sqlalchemy import create_engine, text

from chinwag.security import token_digest


def test_expired_visitor_token_closes_an_idle_socket(live_server: Any) -> None:
    server = live_server()
    keep, expire = new_visitor(server), new_visitor(server)
    kept, expired = visitor_socket(server, keep), visitor_socket(server, expire)
    assert kept.call("message.send", {"client_msg_id": "k1", "text": "still here"})["ok"]
    assert expired.call("message.send", {"client_msg_id": "e1", "text": "about to go"})["ok"]

    engine = create_engine(server.env["CHINWAG_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE visitor_tokens SET expires_at = :past WHERE token_hash = :h"),
            {
                "past": datetime.now(UTC) - timedelta(minutes=1),
                "h": token_digest(expire["visitor_token"]),
            },
        )
    engine.dispose()

    wait_for(lambda: expired.disconnected.is_set(), timeout=15)
    assert expired.disconnected.is_set()
    assert expired.received("session.revoked") == [{"code": "token_invalid"}]
    # the other visitor's socket is untouched and keeps working
    assert not kept.disconnected.is_set()
    assert kept.call("message.send", {"client_msg_id": "k2", "text": "and still"})["ok"]
    kept.close()
