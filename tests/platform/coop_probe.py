"""Run under `python coop_probe.py <database-url> <n>`: proves that database calls yield to other
green threads. A lock held elsewhere blocks ``n`` greenlets in PostgreSQL; if psycopg blocked the
event loop, the first would freeze the process and no more than one would ever wait at once."""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from chinwag.app import create_app  # noqa: E402
from chinwag.extensions import db  # noqa: E402

url, n = sys.argv[1], int(sys.argv[2])
app = create_app(
    {
        "CHINWAG_DATABASE_URL": url,
        "CHINWAG_ASYNC_MODE": "gevent",
        "CHINWAG_INSTANCE_PATH": os.environ["PROBE_INSTANCE"],
    }
)
dsn = url.replace("postgresql+psycopg://", "postgresql://")
holder = psycopg.connect(dsn, autocommit=True)
holder.execute("SELECT pg_advisory_lock(4242)")


def wait_for_lock() -> None:
    with app.app_context():
        db.session.execute(text("SELECT pg_advisory_lock_shared(4242)"))
        db.session.execute(text("SELECT pg_advisory_unlock_shared(4242)"))
        db.session.commit()


workers = [gevent.spawn(wait_for_lock) for _ in range(n)]
peak = 0
with psycopg.connect(dsn, autocommit=True) as watcher:
    for _ in range(300):
        gevent.sleep(0.05)
        waiting = watcher.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()[0]
        peak = max(peak, waiting)
        if peak >= n:
            break
holder.execute("SELECT pg_advisory_unlock(4242)")
gevent.joinall(workers, timeout=30)
print(f"peak_waiting={peak} finished={sum(w.successful() for w in workers)}")
