"""The job queue across processes: two `chinwag run` servers and a `chinwag worker` share one
queue (SQLite file, or Redis with PostgreSQL); the worker is SIGKILLed in the middle of a job,
and the job then runs to completion exactly once, in a server's in-process worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import job_probe
import pytest
import requests
from realtime_helpers import admin_token, prepare_server, wait_for

from chinwag.testing import LiveServer

HERE = Path(__file__).parent


@pytest.fixture(params=["sqlite", "postgres-redis"])
def shared(request: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment of processes that share one database and one job queue."""
    env = {
        "CHINWAG_JOBS_LEASE_SECONDS": "3",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    if request.param == "sqlite":
        env["CHINWAG_DATABASE_URL"] = f"sqlite:///{tmp_path}/chinwag.db"
        env["CHINWAG_JOBS_URL"] = f"sqlite:///{tmp_path}/jobs.sqlite3"
        yield env
        return
    from chinwag.testing import (
        REDIS_URL,
        _require,
        fresh_postgres_database,
        postgres_reachable,
        redis_reachable,
    )

    _require("PostgreSQL", postgres_reachable())
    _require("Redis", redis_reachable())
    env["CHINWAG_REDIS_URL"] = REDIS_URL  # the job queue follows it
    env["CHINWAG_REDIS_CHANNEL"] = f"chinwag-test-{uuid.uuid4().hex[:8]}"
    with fresh_postgres_database() as url:
        env["CHINWAG_DATABASE_URL"] = url
        yield env


def _lines(folder: Path) -> list[str]:
    log = folder / "log"
    return log.read_text().split("\n")[:-1] if log.exists() else []


def _jobs_health(server: LiveServer, token: str) -> dict[str, Any]:
    res = requests.get(
        f"{server.url}/api/v1/plugins/chinwag",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return dict(res.json()["health"]["jobs"])


def test_a_job_whose_worker_is_killed_runs_to_completion_exactly_once(
    shared: dict[str, str], tmp_path: Path
) -> None:
    from chinwag.app import create_app, state
    from chinwag.config import load_config
    from chinwag.plugins.context import context_for

    # server A runs no jobs itself; the worker W takes the job
    a = prepare_server(tmp_path / "a", CHINWAG_JOBS_IN_PROCESS="false", **shared).start()
    b: LiveServer | None = None
    folder = tmp_path / "probe"
    folder.mkdir()
    worker_log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "chinwag", "worker"],
        env=a.env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        # what a plugin's ctx.run_in_background does, from this test's own app on the same queue
        app = create_app({**load_config(a.env), "CHINWAG_ASYNC_MODE": "threading"})
        with app.app_context():
            ctx = context_for(state(app).plugins.records["chinwag"])
            state(app).jobs.enqueue("chinwag", job_probe.hold, (ctx, str(folder)))
        wait_for(lambda: _lines(folder) == [f"start {worker.pid}"], timeout=60)
        assert _lines(folder) == [f"start {worker.pid}"], (tmp_path / "worker.log").read_bytes()

        # server B (with its in-process worker) joins while W is alive: W keeps its job
        b = prepare_server(tmp_path / "b", **shared).start()
        token = admin_token(a)
        assert _jobs_health(a, token)["running"] == 1
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        (folder / "release").touch()

        # B's worker sees W's heartbeat stop, re-queues the job and runs it
        wait_for(lambda: len(_lines(folder)) == 3, timeout=90)
        assert _lines(folder) == [
            f"start {worker.pid}",
            f"start {b.proc.pid}",
            f"done {b.proc.pid}",
        ]  # type: ignore[union-attr]

        def idle() -> bool:
            health = _jobs_health(a, token)
            return health["running"] == health["queued"] == health["scheduled"] == 0

        wait_for(idle, timeout=30)
        health = _jobs_health(a, token)
        # the core's own periodic jobs (retention) count in its health too: the probe's lines
        # below say the killed job ran to completion exactly once
        assert health["done"] >= 1 and health["failed"] == 0, health
        assert _jobs_health(b, token) == health  # every process reads the same queue
        assert len([line for line in _lines(folder) if line.startswith("done")]) == 1
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        worker_log.close()
        a.stop()
        if b is not None:
            b.stop()
