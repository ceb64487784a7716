"""Background work on Huey: plugins' ``run_in_background`` calls and ``ScheduledJob`` runs.

Huey keeps the queue (SQLite in the instance folder by default, Redis in production) and runs
the jobs (greenlet or thread workers, retries with back-off). Huey hands a job to one worker and
forgets it, so a worker that dies mid-job would lose it; Chinwag adds a *lease* around every
run: the worker records the job before running it and removes the record when it is done, every
worker beats a heartbeat, and any worker re-enqueues the leases of a worker whose heartbeat
stopped. Periodic jobs are enqueued once per interval across every process by claiming the
interval's slot with an atomic put-if-empty. See docs/jobs.md.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import PluginContext, ScheduledJob
from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Task
from huey.constants import EmptyData
from huey.exceptions import CancelExecution, TaskTimeout
from huey.serializer import SignedSerializer

from chinwag.after_commit import run_after_commit
from chinwag.extensions import db

if TYPE_CHECKING:  # for annotations only: the plugins package (its context) sits above this
    from chinwag.plugins.host import PluginHost, PluginRecord

log = logging.getLogger(__name__)

TASK_NAME = "chinwag.job"
#: a ``PluginContext`` among a job's arguments travels as this marker and arrives as the
#: worker's context for the same plugin
CONTEXT_ARG = "__chinwag_plugin_context__"
#: a job whose worker died this many times is given up (it may be what kills the worker)
MAX_CRASHES = 3

LEASE = "chinwag:lease:"
WORKER = "chinwag:worker:"
PERIODIC = "chinwag:periodic:"
CRASHES = "chinwag:crashes:"
LAST_ERROR = "chinwag:last-error:"
COUNTERS = ("done", "failed", "retried")
#: in-process workers (and schedulers) found dead and started again, across processes
RESTARTS = "chinwag:worker-restarts"


class JobError(RuntimeError):
    """A job that cannot run at all (unknown plugin or target): never retried."""


def flag(value: Any) -> bool:
    """A boolean setting given as text (``CHINWAG_JOBS_IN_PROCESS=false``)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def make_huey(config: dict[str, Any]) -> Huey:
    """The Huey of one app: ``CHINWAG_JOBS_URL`` (``redis://``, ``rediss://``, ``sqlite:///path``
    or ``memory``), else Redis when ``CHINWAG_REDIS_URL`` is set, else SQLite in the instance
    folder. Messages are signed with a key derived from the secret key, so whoever can write to
    the queue's storage cannot make a worker unpickle their own payload."""
    url = config.get("CHINWAG_JOBS_URL") or config.get("CHINWAG_REDIS_URL") or ""
    secret = hmac.new(
        str(config["SECRET_KEY"]).encode(), b"chinwag-jobs", hashlib.sha256
    ).hexdigest()
    common: dict[str, Any] = {
        "results": False,
        "utc": True,
        "serializer": SignedSerializer(secret=secret, salt="chinwag-jobs"),
    }
    name = f"{config.get('CHINWAG_REDIS_CHANNEL') or 'chinwag'}.jobs"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, blocking=True, read_timeout=1, **common)
    if url == "memory":
        return MemoryHuey(name, **common)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif url:
        raise ValueError(f"CHINWAG_JOBS_URL: unsupported queue {url!r}")
    else:
        path = Path(config["CHINWAG_INSTANCE_PATH"]) / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), timeout=30, **common)


def target_of(fn: Callable[..., Any]) -> str:
    """``module:qualname`` of a module-level function, so a worker in another process finds it."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<" in qualname or not qualname or resolve(f"{module}:{qualname}") is not fn:
        raise TypeError(
            f"background work must be a module-level function, not {fn!r}: a worker in "
            "another process imports it by name"
        )
    return f"{module}:{qualname}"


def resolve(target: str) -> Callable[..., Any]:
    module, _, qualname = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise JobError(f"{target} is not callable")
    return obj  # type: ignore[no-any-return]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class JobQueue:
    """One app's queue: enqueue, run (inside a worker), lease bookkeeping and health.

    The app's plugin host and context factory are handed in (they are what a job runs
    against), so the queue sits below the per-app state (``chinwag.state``) that holds it."""

    def __init__(
        self,
        app: Flask,
        plugins: PluginHost,
        context: Callable[[PluginRecord], PluginContext],
    ) -> None:
        cfg = app.config
        self.app = app
        self.plugins = plugins
        self.context = context
        self.huey = make_huey(cfg)
        self.lease_seconds = float(cfg.get("CHINWAG_JOBS_LEASE_SECONDS", 30))
        self.timeout = float(cfg.get("CHINWAG_JOBS_TIMEOUT_SECONDS", 300)) or None
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.task = self.huey.task(
            retries=int(cfg.get("CHINWAG_JOBS_RETRIES", 5)),
            retry_delay=float(cfg.get("CHINWAG_JOBS_RETRY_DELAY", 2)),
            retry_backoff=2.0,
            context=True,
            name=TASK_NAME,
            # Huey interrupts a run past this in its worker (greenlet: gevent.Timeout)
            timeout=self.timeout,
        )(self._execute)

    # -- enqueue ---------------------------------------------------------------------------

    def enqueue(
        self, plugin: str, fn: Callable[..., Any], args: tuple[Any, ...] = (), delay: float = 0
    ) -> str:
        """Queue ``fn(*args)`` on behalf of ``plugin``; returns the job id."""
        packed = tuple(CONTEXT_ARG if isinstance(a, PluginContext) else a for a in args)
        task: Task = self.task.s(plugin, target_of(fn), packed, delay=delay or None)
        self.huey.enqueue(task)
        return str(task.id)

    def enqueue_after_commit(
        self, plugin: str, fn: Callable[..., Any], args: tuple[Any, ...] = ()
    ) -> str:
        """Like :meth:`enqueue`, once the current database transaction commits (at once when
        none is open; never when it rolls back); the job's id is known now."""
        packed = tuple(CONTEXT_ARG if isinstance(a, PluginContext) else a for a in args)
        task: Task = self.task.s(plugin, target_of(fn), packed)
        huey = self.huey
        run_after_commit(lambda: huey.enqueue(task))
        return str(task.id)

    def enqueue_periodic(self, now: float | None = None, force: bool = False) -> int:
        """Queue every enabled ``ScheduledJob`` whose interval slot no process claimed yet
        (``force``: every one, claimed or not)."""
        now = time.time() if now is None else now
        queued = 0
        with self.app.app_context():
            for record, job in self.plugins.extensions(ScheduledJob.namespace):
                name = type(job).__qualname__
                interval = max(1, int(job.interval))
                slot = int(now // interval)
                key = f"{PERIODIC}{record.name}:{name}:"
                claimed = self.huey.storage.put_if_empty(f"{key}{slot}", b"1")
                if not claimed and not force:
                    continue
                self.huey.storage.delete_data(f"{key}{slot - 2}")
                task = self.task.s(record.name, f"scheduled:{name}", ())
                self.huey.enqueue(task)
                queued += 1
        return queued

    # -- run -------------------------------------------------------------------------------

    def _execute(self, plugin: str, target: str, args: tuple[Any, ...], task: Task) -> None:
        lease = LEASE + str(task.id)
        crashes = self.huey.storage.incr(CRASHES + str(task.id), 0)
        if crashes >= MAX_CRASHES:
            self.huey.storage.delete_counter(CRASHES + str(task.id))
            self._count(plugin, "failed", f"{target}: its worker died {crashes} times running it")
            raise CancelExecution(retry=False)
        self.huey.put(
            lease,
            {
                "worker": self.worker_id,
                "plugin": plugin,
                "target": target,
                "started": time.time(),
                "message": self.huey.serialize_task(task),
            },
        )
        try:
            self._run(plugin, target, args)
        except TaskTimeout:
            final = not task.retries
            message = f"{target} timed out after {self.timeout:g}s"
            self._count(plugin, "failed" if final else "retried", message)
            log.warning("job %s of %s timed out after %gs", target, plugin, self.timeout)
            raise
        except JobError as exc:
            self._count(plugin, "failed", f"{target}: {exc}")
            raise CancelExecution(retry=False) from None
        except Exception as exc:
            final = not task.retries
            self._count(plugin, "failed" if final else "retried", f"{target} raised {exc!r}")
            log.warning("job %s of %s failed (%s)", target, plugin, exc)
            raise
        else:
            self._count(plugin, "done")
        finally:
            self.huey.storage.delete_data(lease)
            self.huey.storage.delete_counter(CRASHES + str(task.id))

    def _run(self, plugin: str, target: str, args: tuple[Any, ...]) -> None:
        with self.app.app_context():
            record = self.plugins.records.get(plugin)
            if record is None or not record.loaded:
                raise JobError(f"plugin {plugin!r} is not installed here")
            ctx = self.context(record)
            try:
                if target.startswith("scheduled:"):
                    self._scheduled(record, target.removeprefix("scheduled:")).run(ctx)
                    return
                try:
                    fn = resolve(target)
                except (ImportError, AttributeError) as exc:
                    raise JobError(f"cannot import {target}: {exc}") from None
                fn(*(ctx if a == CONTEXT_ARG else a for a in args))
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    @staticmethod
    def _scheduled(record: Any, name: str) -> ScheduledJob:
        for job in record.extensions.get(ScheduledJob.namespace, []):
            if type(job).__qualname__ == name:
                return job  # type: ignore[no-any-return]
        raise JobError(f"no scheduled job {name!r}")

    def _count(self, plugin: str, what: str, error: str | None = None) -> None:
        self.huey.storage.incr(f"chinwag:{what}:{plugin}")
        if error is not None:
            self.huey.put(LAST_ERROR + plugin, {"error": error[:500], "at": _now_iso()})

    # -- leases ----------------------------------------------------------------------------

    def heartbeat(self) -> None:
        self.huey.put(WORKER + self.worker_id, time.time())

    def retire(self) -> None:
        """A worker that stops cleanly says so (its leases, if any, are reaped at once)."""
        self.huey.storage.delete_data(WORKER + self.worker_id)

    def _read(self, raw: bytes, what: str) -> Any:
        """Unsigned or foreign data in the queue's storage is ignored, never trusted."""
        try:
            return self.huey.serializer.deserialize(raw)
        except Exception:
            log.warning("ignoring an unreadable %s in the job queue", what)
            return None

    def _kv(self, prefix: str) -> Iterator[tuple[str, Any]]:
        for key, raw in self.huey.storage.result_items().items():
            key = key.decode() if isinstance(key, bytes) else str(key)
            if key.startswith(prefix):
                value = self._read(raw, key)
                if value is not None:
                    yield key, value

    def reap(self) -> int:
        """Re-enqueue jobs leased by workers whose heartbeat stopped; returns how many."""
        now = time.time()
        beats = dict(self._kv(WORKER))
        requeued = 0
        for key, lease in list(self._kv(LEASE)):
            beat = beats.get(WORKER + str(lease.get("worker")))
            if beat is not None and now - float(beat) < self.lease_seconds:
                continue
            raw = self.huey.storage.pop_data(key)  # atomic: one reaper wins
            if raw is EmptyData:
                continue
            self.huey.storage.incr(CRASHES + key.removeprefix(LEASE))
            self.huey.storage.enqueue(lease["message"])
            log.warning("job %s of %s re-queued: its worker died", lease["target"], lease["plugin"])
            requeued += 1
        for key, beat in beats.items():
            if now - float(beat) > self.lease_seconds * 10:
                self.huey.storage.delete_data(key)
        return requeued

    # -- health ----------------------------------------------------------------------------

    def health(self, plugins: list[str]) -> dict[str, dict[str, Any]]:
        """Per plugin: jobs queued, waiting for a retry, running, done, failed, retried, and the
        last error; the same in every process (read from the queue's storage)."""
        out: dict[str, dict[str, Any]] = {
            name: {"queued": 0, "scheduled": 0, "running": 0, "workers": 0, "last_error": None}
            for name in plugins
        }
        storage = self.huey.storage
        for field, items in (
            ("queued", storage.enqueued_items(1000)),
            ("scheduled", storage.scheduled_items(1000)),
        ):
            for raw in items:
                message = self._read(raw, "queued job")
                plugin = message.args[0] if message is not None and message.args else None
                if plugin in out:
                    out[plugin][field] += 1
        now = time.time()
        workers = sum(1 for _k, beat in self._kv(WORKER) if now - beat < self.lease_seconds)
        for _key, lease in self._kv(LEASE):
            if lease.get("plugin") in out:
                out[lease["plugin"]]["running"] += 1
        restarts = storage.incr(RESTARTS, 0)
        for name, row in out.items():
            row["workers"] = workers
            row["worker_restarts"] = restarts
            for what in COUNTERS:
                row[what] = storage.incr(f"chinwag:{what}:{name}", 0)
            last = self.huey.get(LAST_ERROR + name, peek=True)
            if last:
                row["last_error"], row["last_error_at"] = last["error"], last["at"]
        return out

    # -- running in this process -----------------------------------------------------------

    def run_pending(
        self, max_jobs: int = 1000, include_scheduled: bool = True, periodic: bool = False
    ) -> int:
        """Queue due periodic jobs (``periodic``: every one, due or not), then run queued jobs
        here until none is left (tests, ``chinwag.testing.run_jobs``). ``include_scheduled``
        also runs retries waiting for their back-off, at once."""
        self.enqueue_periodic(force=periodic)
        ran = 0
        while ran < max_jobs:
            if include_scheduled:
                far = datetime(9999, 1, 1)
                for task in self.huey.read_schedule(far):
                    self.huey.enqueue(task)
            try:
                task = self.huey.dequeue()
            except ValueError:  # a message without our signature: dropped, never run
                log.warning("dropped an unsigned message from the job queue")
                continue
            if task is None:
                return ran
            # a retry's eta lies ahead: run it as if its time had come
            now = self.huey._get_timestamp()
            self.huey.execute(task, max(now, task.eta) if task.eta else now)
            ran += 1
        return ran


class JobWorker:
    """Huey's consumer (scheduler and workers) plus Chinwag's housekeeping: heartbeat, reaping
    dead workers' leases and enqueueing periodic jobs."""

    def __init__(self, queue: JobQueue, workers: int = 2, worker_type: str = "greenlet") -> None:
        self.queue = queue
        self.consumer = queue.huey.create_consumer(
            workers=workers,
            worker_type=worker_type,
            periodic=False,
            check_worker_health=True,
            initial_delay=0.1,
            max_delay=1.0,
        )
        self._stop = threading.Event()
        self._in_process = False
        self._supervising = threading.Lock()
        self.interval = max(0.5, min(5.0, queue.lease_seconds / 6))

    def housekeeping(self) -> None:
        self.queue.heartbeat()
        self.queue.reap()
        self.queue.enqueue_periodic()
        if self._in_process:
            self.restart_dead()

    def restart_dead(self) -> int:
        """Start again the workers (and the scheduler) of an in-process consumer that died (an
        exception escaped Huey's loop); logged, and counted in the queue's health. ``chinwag
        worker`` gets the same from Huey's own consumer loop."""
        with self._supervising:  # the housekeeping loop and a direct call may meet
            return self._restart_dead()

    def _restart_dead(self) -> int:
        env = self.consumer.environment
        dead = sum(1 for _w, proc in self.consumer.worker_threads if not env.is_alive(proc))
        dead += not env.is_alive(self.consumer.scheduler)
        if dead:
            log.error("%d in-process job worker(s) died; starting them again", dead)
            self.consumer.check_worker_health()
            self.queue.huey.storage.incr(RESTARTS, dead)
        return dead

    def _housekeeping_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.housekeeping()
            except Exception:
                log.exception("job housekeeping failed; continuing")
            self._stop.wait(self.interval)

    def start_in_process(self) -> None:
        """Start beside a server: Huey's scheduler and workers without its signal handlers
        (the server keeps its own). Dead workers are started again by the housekeeping loop."""
        self._in_process = True
        self.queue.heartbeat()
        threading.Thread(target=self._housekeeping_loop, name="chinwag-jobs", daemon=True).start()
        self.consumer.scheduler.start()
        for _worker, process in self.consumer.worker_threads:
            process.start()

    def run(self) -> None:
        """Run in the foreground until SIGINT/SIGTERM (``chinwag worker``)."""
        self.queue.heartbeat()
        threading.Thread(target=self._housekeeping_loop, name="chinwag-jobs", daemon=True).start()
        try:
            self.consumer.run()
        finally:
            self._stop.set()
            self.queue.retire()
