"""Audit search on PostgreSQL: the stored lower-case ``search_text`` column (what
``GET /api/v1/audit?q=`` runs) beside the previous query (ILIKE over five columns and a JSON
cast), both measured in this run on the same rows. Prints median milliseconds per search."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from chinwag.audit import search_text
from chinwag.testing import fresh_postgres_database, make_app, postgres_reachable

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
RUNS = 7


def rows() -> list[dict[str, object]]:
    out = []
    now = datetime.now(UTC)
    for i in range(ROWS):
        details = {"name": f"Shop {i}", "allowed_origins": [f"https://shop{i}.example"]}
        actor, action = f"admin{i % 5}@example.com", ("site.update", "plugin.settings")[i % 2]
        out.append(
            {
                "actor": actor,
                "action": action,
                "target_type": "site",
                "target_id": str(i % 97),
                "details": details,
                "created_at": now,
                "search_text": search_text(actor, action, "site", str(i % 97), details),
            }
        )
    return out


def timed(conn: sa.Connection, sql: str, term: str) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        conn.execute(sa.text(sql), {"p": f"%{term}%"}).all()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


OLD = (
    "SELECT * FROM audit_log WHERE actor ILIKE :p OR action ILIKE :p OR target_type ILIKE :p "
    "OR target_id ILIKE :p OR CAST(details AS VARCHAR) ILIKE :p ORDER BY id DESC LIMIT 51"
)
NEW = "SELECT * FROM audit_log WHERE search_text LIKE lower(:p) ORDER BY id DESC LIMIT 51"


def main() -> None:
    if not postgres_reachable():
        sys.exit("PostgreSQL on 127.0.0.1:5432 is required")
    with fresh_postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, url)
        from chinwag.extensions import db
        from chinwag.models import AuditEntry

        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.insert(AuditEntry.__table__), rows())
                conn.execute(sa.text("ANALYZE audit_log"))
            print(f"audit search, PostgreSQL, {ROWS} rows, median of {RUNS} (ms)")
            print(f"{'search':<34}{'baseline: ILIKE x5 + cast':>26}{'search_text LIKE':>18}")
            with db.engine.connect() as conn:
                for label, term in [
                    ("common term (stops after 51)", "shop"),
                    ("rare term (scans every row)", "shop1234.example"),
                    ("absent term (scans every row)", "nowhere"),
                ]:
                    print(
                        f"{label:<34}{timed(conn, OLD, term):>26.1f}{timed(conn, NEW, term):>18.1f}"
                    )
            db.engine.dispose()


if __name__ == "__main__":
    main()
