"""The production-grade server behind ``chinwag run``: gevent (default) or eventlet.

Sets TCP_NODELAY on every connection (Nagle otherwise adds ~40 ms to small Socket.IO frames),
bounds the time a request may take and the connections per address (``http_guard``), starts
the sweeper that disconnects revoked agents. (Jobs run on the job queue: chinwag.jobs.)
"""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
import time
from typing import Any

from flask import Flask

from chinwag import availability
from chinwag.actions import analytics
from chinwag.plugins import presence
from chinwag.realtime.agent import sweep_revoked
from chinwag.realtime.widget import sweep_visitors
from chinwag.state import state

log = logging.getLogger(__name__)


def _nodelay(sock: Any) -> None:
    with contextlib.suppress(OSError):  # not a TCP socket (e.g. a Unix socket)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def raise_open_file_limit() -> int:
    """Lift the soft open-file limit to the hard one: every socket is a file descriptor.
    Returns the soft limit now in force (``0``: unknown or unlimited)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        return 0
    return 0 if soft == resource.RLIM_INFINITY else int(soft)


def cooperative_psycopg() -> None:
    """Let psycopg wait for PostgreSQL on gevent's own event loop.

    psycopg sees that ``select`` is patched and waits with ``select.poll`` in 0.1 s slices, which
    gevent emulates in Python (a poll object, its watchers and a timer per wait): a quarter of
    the server's time per message in bench/realtime. One libev io watcher per wait does the same.
    Waits with a timeout (connecting, cancelling) keep psycopg's own function.
    """
    import psycopg.waiting as waiting
    from gevent import get_hub
    from gevent.hub import Waiter

    if getattr(waiting.wait, "chinwag_gevent", False):
        return
    original = waiting.wait

    def wait(gen: Any, fileno: int, interval: float = 0.0, timeout: float | None = None) -> Any:
        if timeout is not None:
            return original(gen, fileno, interval, timeout)
        hub = get_hub()
        try:
            state = next(gen)
            while True:
                watcher = hub.loop.io(fileno, int(state))  # Wait.R/W/RW are EV_READ/EV_WRITE
                waiter = Waiter(hub)
                watcher.start(waiter.switch, pass_events=True)
                try:
                    ready = waiter.get()  # the events that fired: Ready.R/W/RW likewise
                finally:
                    watcher.close()
                state = gen.send(ready & 3)
        except StopIteration as done:
            return done.value

    wait.chinwag_gevent = True  # type: ignore[attr-defined]
    waiting.wait = wait


def _freeze_startup_heap() -> None:
    """Move everything built at start-up (the app, SQLAlchemy, marshmallow, plugins) out of the
    garbage collector's reach. Without it every full collection walked that whole heap: pauses
    of 80-95 ms under load in bench/realtime, each one holding up every message in flight."""
    gc.collect()
    gc.freeze()


def _background(app: Flask) -> None:
    socketio = state(app).server()
    while True:
        socketio.sleep(2)
        try:
            sweep_revoked(app, socketio)
            availability.sweep(app)
            sweep_visitors(app, socketio)
            with app.app_context():  # so `chinwag plugins list` and every process see it
                app.extensions["chinwag"].plugins.flush_health()
                presence.publish(app)  # ctx.agents_online() in every process
                # analytics batches that did not fill up: queued after FLUSH_SECONDS at most
                analytics.flush(older_than=app.config["CHINWAG_ANALYTICS_FLUSH_SECONDS"])
        except Exception:
            log.exception("background loop failed; continuing")


def configure_logging() -> None:
    """What ``chinwag run`` prints: INFO and up, except Huey's line per job run ("Executing ...",
    "... executed in" at INFO; the scheduled jobs run every few seconds, pages of them in
    ``make run``). Huey's warnings and errors still show."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("huey").setLevel(logging.WARNING)


def gevent_server(app: Flask, host: str, port: int, open_files: int = 0) -> Any:
    """The gevent server of ``chinwag run`` (not yet listening): the guards of ``http_guard``
    and a listen backlog of ``CHINWAG_LISTEN_BACKLOG``, so that the connections of a reconnect
    storm wait in the kernel's queue instead of being dropped."""
    from chinwag.http_guard import GuardedServer, connection_cap

    return GuardedServer(
        (host, port),
        app,
        backlog=app.config["CHINWAG_LISTEN_BACKLOG"],
        log=None,
        error_log=log,
        request_timeout=app.config["CHINWAG_REQUEST_TIMEOUT_SECONDS"],
        max_per_ip=app.config["CHINWAG_MAX_CONNECTIONS_PER_IP"],
        max_polling_body=app.config["CHINWAG_MAX_HTTP_BUFFER"],
        trusted_proxies=app.config["CHINWAG_TRUSTED_PROXIES"],
        max_total=connection_cap(app.config["CHINWAG_MAX_CONNECTIONS"], open_files),
    )


def serve(app: Flask, host: str | None = None, port: int | None = None) -> None:
    configure_logging()
    host = host or app.config["CHINWAG_HOST"]
    port = port or app.config["CHINWAG_PORT"]
    mode = app.config["CHINWAG_ASYNC_MODE"]
    open_files = raise_open_file_limit()
    socketio = state(app).server()
    socketio.start_background_task(_background, app)
    _freeze_startup_heap()
    print(f"Chinwag serving http://{host}:{port} ({mode})", flush=True)
    started = time.monotonic()
    if mode == "gevent":
        if app.config["CHINWAG_DATABASE_URL"].startswith("postgresql"):
            cooperative_psycopg()
        gevent_server(app, host, port, open_files).serve_forever()
    elif mode == "eventlet":
        import eventlet
        import eventlet.wsgi

        listener = eventlet.listen((host, port), backlog=app.config["CHINWAG_LISTEN_BACKLOG"])
        _nodelay(listener)
        eventlet.wsgi.server(listener, app, log_output=False, max_size=100_000)
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
    log.info("stopped after %.0fs", time.monotonic() - started)
