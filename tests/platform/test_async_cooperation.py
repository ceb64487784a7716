"""Database drivers cooperate with the green-thread server: 50 concurrent queries that block in
PostgreSQL are all in flight at once instead of serialising the process."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("coop_probe.py")


def test_fifty_blocked_queries_are_in_flight_together(pg_url: str, tmp_path: Any) -> None:
    from chinwag.dbmigrate import upgrade
    from chinwag.testing import make_app

    upgrade(make_app(tmp_path, pg_url))
    res = subprocess.run(
        [sys.executable, str(PROBE), pg_url, "50"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PROBE_INSTANCE": str(tmp_path)},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "peak_waiting=50 finished=50" in res.stdout, res.stdout + res.stderr[-2000:]
