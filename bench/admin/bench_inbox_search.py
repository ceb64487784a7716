"""Inbox search on 50k messages: the previous substring scan (``LIKE`` over visitors and
messages, the baseline, measured in this run on the same rows) beside the full-text search of
chinwag.search (SQLite FTS5, PostgreSQL GIN), on SQLite and, when reachable, PostgreSQL.

Each search is what ``GET /api/v1/inbox/conversations?q=`` runs for an admin: matching
conversations, newest activity first, a page of 50 (the full-text side also builds the page's
snippets). Prints the median milliseconds of 7 runs per search, and what the index costs on
writes: the seconds to insert the messages (batches of 5,000) into a database at 0017 (no
index, the baseline) and at 0018_search, and the median ack of 300 visitor messages sent one by
one over the ``/widget`` socket (test client) into each filled database. ``python bench/admin/bench_inbox_search.py
[messages]`` (default 50,000; 10 per conversation).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from chinwag.dbmigrate import downgrade
from chinwag.testing import (
    create_site,
    dispose,
    fresh_postgres_database,
    make_app,
    postgres_reachable,
)

MESSAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
PER_CONVERSATION = 10
RUNS = 7
PAGE = 50
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "pe", "do", "fa"]
SEARCHES = [
    ("common word (page fills fast)", "order"),
    ("rare word (5 messages)", "kangaroo"),
    ("absent word", "nowhere"),
    ("two words, last a prefix", "parcel nev"),
]


def vocabulary(rng: random.Random) -> list[str]:
    return ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(3000)]


def message_text(rng: random.Random, words: list[str], i: int) -> str:
    text = rng.choices(words, k=rng.randint(6, 24))
    if i % 10 == 0:
        text.insert(2, "order")
    if i % 97 == 0:
        text += ["my", "parcel", "never", "arrived"]
    if i in (11, 4_321, 17_000, 33_333, MESSAGES - 7):
        text.insert(0, "kangaroo")
    return " ".join(text)


def fill(app: Any) -> float:
    """Insert the rows; the seconds the messages took."""
    from chinwag.extensions import db
    from chinwag.models import Conversation, Message, Visitor

    rng = random.Random(15)
    words = vocabulary(rng)
    start = datetime.now(UTC) - timedelta(days=30)
    site = create_site(app, "Bench", ("https://bench.example",))["id"]
    with app.app_context(), db.engine.begin() as conn:
        convs = MESSAGES // PER_CONVERSATION
        conn.execute(
            sa.insert(Visitor),
            [{"site_id": site, "name": f"Visitor {i}"} for i in range(convs)],
        )
        visitors = list(conn.execute(sa.select(Visitor.id).order_by(Visitor.id)).scalars())
        conn.execute(
            sa.insert(Conversation),
            [
                {
                    "site_id": site,
                    "visitor_id": v,
                    "last_seq": PER_CONVERSATION,
                    "updated_at": start + timedelta(minutes=i),
                }
                for i, v in enumerate(visitors)
            ],
        )
        ids = list(conn.execute(sa.select(Conversation.id).order_by(Conversation.id)).scalars())
        batch: list[dict[str, Any]] = []
        began = time.perf_counter()
        for i in range(MESSAGES):
            batch.append(
                {
                    "conversation_id": ids[i // PER_CONVERSATION],
                    "seq": i % PER_CONVERSATION + 1,
                    "sender": "visitor",
                    "author_kind": "visitor",
                    "text": message_text(rng, words, i),
                }
            )
            if len(batch) == 5000:
                conn.execute(sa.insert(Message), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(Message), batch)
        took = time.perf_counter() - began
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
    return took


ACKS = 300
LIMITS = {"CHINWAG_RATE_LIMIT_MESSAGES": 1_000_000}


def ack_ms(app: Any) -> float:
    """Median milliseconds of a visitor's ``message.send`` ack (the real path: one message per
    transaction, the FTS5 trigger or GIN index written before the ack) into the filled database."""
    from chinwag.state import state

    site = create_site(app, "Acks", ("https://shop.example",))
    start = app.test_client().post(
        "/api/v1/widget/session",
        json={"site_key": site["site_key"]},
        headers={"Origin": "https://shop.example"},
    )
    auth = {"site_key": site["site_key"], "visitor_token": start.get_json()["visitor_token"]}
    sock = (
        state(app)
        .server()
        .test_client(
            app, namespace="/widget", auth=auth, headers={"Origin": "https://shop.example"}
        )
    )
    samples, conv = [], None
    for i in range(ACKS):
        body: dict[str, Any] = {"client_msg_id": f"a{i}", "text": f"an order question number {i}"}
        if conv:
            body["conversation_id"] = conv
        began = time.perf_counter()
        ack = sock.emit("message.send", body, namespace="/widget", callback=True)
        samples.append((time.perf_counter() - began) * 1000)
        assert ack["ok"], ack
        conv = ack["message"]["conversation_id"]
    sock.disconnect(namespace="/widget")
    state(app).bus.wait_idle()  # the listeners' work on these messages ends before the database
    return statistics.median(samples)


def like_matching(q: str) -> Any:
    """The baseline: the inbox's ``matching`` before chinwag.search (substring scan)."""
    from chinwag.models import Conversation, Message, Visitor

    needle = q.lower()
    visitor = (
        sa.select(Visitor.id)
        .where(
            Visitor.id == Conversation.visitor_id,
            sa.or_(
                sa.func.lower(Visitor.name).contains(needle, autoescape=True),
                sa.func.lower(Visitor.email).contains(needle, autoescape=True),
                sa.func.lower(Visitor.external_id).contains(needle, autoescape=True),
            ),
        )
        .exists()
    )
    message = sa.exists().where(
        Message.conversation_id == Conversation.id,
        sa.func.lower(Message.text).contains(needle, autoescape=True),
    )
    return sa.or_(visitor, message)


def page(where: Any) -> list[int]:
    from chinwag.extensions import db
    from chinwag.models import Conversation

    stmt = (
        sa.select(Conversation.id).where(where).order_by(Conversation.updated_at.desc()).limit(PAGE)
    )
    return list(db.session.execute(stmt).scalars())


def baseline(q: str) -> int:
    return len(page(like_matching(q)))


def full_text(q: str) -> int:
    from chinwag import inbox_surface, search
    from chinwag.api.inbox import matching

    ids = page(matching(q))
    search.snippets(ids, search.parse(q), inbox_surface.enabled_plugins())
    return len(ids)


def median_ms(run: Callable[[str], int], q: str) -> tuple[float, int]:
    samples, found = [], 0
    for _ in range(RUNS):
        begin = time.perf_counter()
        found = run(q)
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples), found


@contextmanager
def backend(name: str) -> Iterator[str | None]:
    if name == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


def main() -> None:
    backends = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    print(f"inbox search, {MESSAGES} messages in {MESSAGES // PER_CONVERSATION} conversations,")
    print(f"a page of {PAGE}, median of {RUNS} (ms); baseline: LIKE scan (before 0018_search)")
    print(f"{'search':<32}" + "".join(f"{b + ' LIKE':>18}{b + ' FTS':>17}" for b in backends))
    results: dict[str, list[str]] = {label: [] for label, _ in SEARCHES}
    writes: list[str] = []
    acks: list[str] = []
    for name in backends:
        with backend(name) as url, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
            before = make_app(tmp, url, **LIMITS)
            downgrade(before, "0017_agent_profile")  # plugins migrated, the core before 0018
            plain = fill(before)
            plain_ack = ack_ms(before)
            dispose(before)
        with backend(name) as url, tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
            app = make_app(tmp, url, **LIMITS)
            indexed = fill(app)
            writes.append(f"{plain:>14.1f} s{indexed:>15.1f} s")
            acks.append(f"{plain_ack:>13.2f} ms{ack_ms(app):>14.2f} ms")
            with app.app_context():
                for label, q in SEARCHES:
                    old, old_n = median_ms(baseline, q)
                    new, new_n = median_ms(full_text, q)
                    results[label].append(f"{old:>12.1f} ({old_n:>2}){new:>12.1f} ({new_n:>2})")
            dispose(app)
    for label, _q in SEARCHES:
        print(f"{label:<32}" + "".join(results[label]))
    print(f"{'inserting the messages':<32}" + "".join(writes) + "  (LIKE: at 0017, no index)")
    print(f"{'visitor ack, median of ' + str(ACKS):<32}" + "".join(acks) + "  (LIKE: at 0017)")
    print("(n): conversations on the page; LIKE finds substrings, FTS whole words (last a prefix)")


if __name__ == "__main__":
    main()
