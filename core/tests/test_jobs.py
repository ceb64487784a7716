"""The job queue (chinwag.jobs, docs/jobs.md): plugins' background work survives a restart,
is retried with back-off, is visible in plugin health, is re-queued when its worker dies, and
periodic jobs are queued once per interval however many processes run. (Several real processes
and a SIGKILLed worker: tests/realtime/test_jobs_multiprocess.py.)"""

from __future__ import annotations

import pickle
import time
from typing import Any

import pytest
from chinwag_plugin_api import PluginContext, PluginInfo, ScheduledJob

from chinwag.testing import create_user, login, make_app, run_jobs

RAN: list[tuple[str, str]] = []
FLAKY: dict[str, int] = {}


def remember(ctx: PluginContext, value: str) -> None:
    RAN.append((ctx.plugin_name, value))


def flaky(ctx: PluginContext, key: str, failures: int) -> None:
    FLAKY[key] = FLAKY.get(key, 0) + 1
    if FLAKY[key] <= failures:
        raise ConnectionError(f"attempt {FLAKY[key]} failed")
    RAN.append((ctx.plugin_name, key))


class Tick(ScheduledJob):
    interval = 3600

    def run(self, ctx: PluginContext) -> None:
        RAN.append((ctx.plugin_name, "tick"))


def _app(tmp_path: Any, periodic: bool = False, **config: Any) -> Any:
    app = make_app(tmp_path, **config)
    app.extensions["chinwag"].plugins.register_test_plugin(
        "jobber", PluginInfo("Jobber"), {ScheduledJob.namespace: [Tick] if periodic else []}
    )
    return app


def _ctx(app: Any) -> PluginContext:
    from chinwag.plugins.context import context_for

    return context_for(app.extensions["chinwag"].plugins.records["jobber"])


@pytest.fixture(autouse=True)
def _clean() -> None:
    RAN.clear()
    FLAKY.clear()


def test_a_queued_job_survives_a_restart_and_runs_once(tmp_path: Any) -> None:
    app = _app(tmp_path)
    with app.test_request_context():
        ctx = _ctx(app)
        ctx.run_in_background(remember, ctx, "after restart")
    assert RAN == []  # queued, not run: no worker in this process
    # "restart": a new app on the same instance folder finds the job in the queue's storage
    app2 = _app(tmp_path)
    run_jobs(app2)
    assert ("jobber", "after restart") in RAN
    assert run_jobs(app2) == 0 and run_jobs(app) == 0
    assert RAN.count(("jobber", "after restart")) == 1


def test_background_work_must_be_importable_by_a_worker(tmp_path: Any) -> None:
    app = _app(tmp_path)
    with app.test_request_context():
        ctx = _ctx(app)
        with pytest.raises(TypeError, match="module-level"):
            ctx.run_in_background(lambda: None)


def test_failures_are_retried_with_back_off_and_shown_in_plugin_health(tmp_path: Any) -> None:
    app = _app(tmp_path, CHINWAG_JOBS_RETRIES=2, CHINWAG_JOBS_RETRY_DELAY=2)
    jobs = app.extensions["chinwag"].jobs
    jobs.enqueue("jobber", flaky, (_ctx(app), "twice", 2))
    # run by hand, one attempt at a time: each retry waits twice as long as the one before
    delays = []
    eta = None
    for _ in range(2):
        jobs.huey.execute(jobs.huey.dequeue(), eta)
        (waiting,) = jobs.huey.scheduled()
        delays.append(waiting.retry_delay)
        (eta,) = [due.eta for due in jobs.huey.read_schedule(waiting.eta)]
        jobs.huey.enqueue(waiting)
    assert delays == [4, 8]  # the next retry's delay after waits of 2 s, then 4 s
    jobs.huey.execute(jobs.huey.dequeue(), eta)
    assert RAN == [("jobber", "twice")] and FLAKY["twice"] == 3

    jobs.enqueue("jobber", flaky, (_ctx(app), "always", 99))
    run_jobs(app)
    assert FLAKY["always"] == 3  # the first run and two retries

    create_user(app, "admin@example.com", "correct horse battery", "admin")
    client = app.test_client()
    token = login(client, "admin@example.com", "correct horse battery")
    res = client.get("/api/v1/plugins/jobber", headers={"Authorization": f"Bearer {token}"})
    health = res.get_json()["health"]["jobs"]
    assert health["done"] == 1 and health["failed"] == 1 and health["retried"] == 4
    assert health["queued"] == health["scheduled"] == health["running"] == 0
    assert "attempt 3 failed" in health["last_error"]


def test_queue_depth_is_visible_before_the_jobs_run(tmp_path: Any) -> None:
    app = _app(tmp_path)
    jobs = app.extensions["chinwag"].jobs
    for i in range(3):
        jobs.enqueue("jobber", remember, (_ctx(app), i))
    assert jobs.health(["jobber", "core"])["jobber"]["queued"] == 3
    assert jobs.health(["core"])["core"]["queued"] == 0


def test_a_dead_workers_job_is_requeued_and_runs_once(tmp_path: Any) -> None:
    from chinwag.jobs import LEASE

    app = _app(tmp_path, CHINWAG_JOBS_LEASE_SECONDS=5)
    jobs = app.extensions["chinwag"].jobs
    jobs.enqueue("jobber", remember, (_ctx(app), "orphan"))
    jobs.enqueue("jobber", remember, (_ctx(app), "busy"))
    # two workers took one job each (their leases), then one of them died without a trace
    for worker, beat in (("dead-worker", time.time() - 60), ("live-worker", time.time())):
        task = jobs.huey.dequeue()
        lease = {"worker": worker, "plugin": "jobber", "target": "t", "started": beat}
        jobs.huey.put(LEASE + task.id, {**lease, "message": jobs.huey.serialize_task(task)})
        jobs.huey.put(f"chinwag:worker:{worker}", beat)
    assert jobs.health(["jobber"])["jobber"]["running"] == 2
    assert jobs.reap() == 1  # only the dead worker's job
    assert jobs.reap() == 0
    run_jobs(app)
    assert RAN == [("jobber", "orphan")]


def test_unsigned_messages_in_the_queue_are_never_run(tmp_path: Any) -> None:
    app = _app(tmp_path)
    jobs = app.extensions["chinwag"].jobs
    # what someone who can write to the queue's storage (Redis, the SQLite file) might push
    forged = pickle.dumps(("huey.api.Task", (RAN.append, (("evil", "pwned"),))))
    jobs.huey.storage.enqueue(forged, 0)
    jobs.enqueue("jobber", remember, (_ctx(app), "honest"))
    run_jobs(app)
    assert RAN == [("jobber", "honest")]


def test_periodic_jobs_are_queued_once_per_interval_across_processes(tmp_path: Any) -> None:
    first, second = _app(tmp_path, periodic=True), _app(tmp_path, periodic=True)
    jobs1, jobs2 = first.extensions["chinwag"].jobs, second.extensions["chinwag"].jobs
    now = 7200.0 * 1000

    def queued() -> int:
        return int(jobs1.health(["jobber"])["jobber"]["queued"])

    jobs1.enqueue_periodic(now)
    jobs2.enqueue_periodic(now + 10)
    assert queued() == 1
    while (task := jobs2.huey.dequeue()) is not None:
        jobs2.huey.execute(task)
    assert RAN == [("jobber", "tick")]
    # the next interval is claimed again, once, by whoever comes first
    jobs2.enqueue_periodic(now + 3600)
    jobs1.enqueue_periodic(now + 3601)
    assert queued() == 1


def dawdle(ctx: PluginContext, seconds: float) -> None:
    import gevent

    gevent.sleep(seconds)  # a job waiting on I/O (a greenlet worker can interrupt it)
    RAN.append((ctx.plugin_name, "dawdled"))


def test_a_job_past_its_timeout_is_interrupted_and_retried(tmp_path: Any) -> None:
    from huey.consumer import GreenletEnvironment

    app = _app(tmp_path, CHINWAG_JOBS_TIMEOUT_SECONDS=0.2, CHINWAG_JOBS_RETRIES=1)
    jobs = app.extensions["chinwag"].jobs
    # what a greenlet worker installs (this test runs no consumer)
    jobs.huey._timeout_handler = GreenletEnvironment(None, None).timeout
    jobs.enqueue("jobber", dawdle, (_ctx(app), 5))
    started = time.monotonic()
    run_jobs(app)
    assert time.monotonic() - started < 4  # both runs cut short, well before 2 x 5 s
    assert RAN == []
    health = jobs.health(["jobber"])["jobber"]
    assert health["retried"] == 1 and health["failed"] == 1 and health["done"] == 0
    assert "timed out after 0.2s" in health["last_error"]


def test_a_dead_in_process_worker_is_started_again_and_counted(tmp_path: Any) -> None:
    from chinwag.jobs import JobWorker

    app = _app(tmp_path)
    jobs = app.extensions["chinwag"].jobs
    worker = JobWorker(jobs, workers=1, worker_type="thread")
    (impl, _thread) = worker.consumer.worker_threads[0]

    def crash() -> None:
        raise RuntimeError("worker loop broke")

    impl.loop = crash  # type: ignore[method-assign]  # the first worker dies at once
    worker.start_in_process()
    try:
        _thread.join(10)
        assert not _thread.is_alive()
        worker.housekeeping()
        assert jobs.health(["jobber"])["jobber"]["worker_restarts"] == 1
        # the replacement runs jobs
        jobs.enqueue("jobber", remember, (_ctx(app), "after the restart"))
        deadline = time.monotonic() + 30
        while not RAN and time.monotonic() < deadline:
            time.sleep(0.1)
        assert RAN == [("jobber", "after the restart")]
        assert worker.restart_dead() == 0
    finally:
        worker.consumer.stop_flag.set()
        worker._stop.set()
        for _w, proc in worker.consumer.worker_threads:
            proc.join(10)
        worker.consumer.scheduler.join(10)


def test_chinwag_run_logs_huey_warnings_not_a_line_per_job(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from chinwag.server import configure_logging

    huey = logging.getLogger("huey")
    monkeypatch.setattr(huey, "level", logging.NOTSET)  # put back after the test
    configure_logging()
    with caplog.at_level(logging.INFO):
        huey.info("Executing chinwag.jobs.chinwag.job: 1234")
        huey.warning("a task failed and will be retried")
        logging.getLogger("chinwag.server").info("background loop started")
    assert [r.getMessage() for r in caplog.records] == [
        "a task failed and will be retried",
        "background loop started",
    ]
