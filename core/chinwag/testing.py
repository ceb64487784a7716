"""A pytest plugin for Chinwag and its plugin authors (loaded through the ``pytest11`` entry point).

Fixtures:

- ``chinwag_app``: a migrated app, once on SQLite and once on PostgreSQL (a fresh database on
  127.0.0.1:5432; skipped when unreachable, required when ``CI=true``).
- ``chinwag_client`` (Flask test client), ``admin_token``, ``demo_site``, ``visitor_session``,
  ``socket_client`` (Flask-SocketIO test client factory).
- ``pg_url`` / ``redis_url``: real services, a fresh database / a private pub/sub channel.
- ``live_server``: a factory that starts ``chinwag run`` in a subprocess on a free port.
- ``run_jobs``: runs the app's queued background jobs now (see :func:`run_jobs`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: tests and benchmarks start hundreds of visitors and sockets from one loopback address: the
#: per-address caps of docs/security.md are lifted unless a test sets them (tests/security does)
TEST_LIMITS = {"CHINWAG_RATE_LIMIT_SESSIONS": "1000000", "CHINWAG_MAX_CONNECTIONS_PER_IP": "0"}


def make_app(tmp_path: Any, database_url: str | None = None, **config: Any) -> Any:
    from chinwag.app import create_app
    from chinwag.dbmigrate import upgrade

    settings = {
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "CHINWAG_DATABASE_URL": database_url or f"sqlite:///{tmp_path}/chinwag.db",
        "CHINWAG_PLUGIN_REFRESH_SECONDS": 0.0,
        "CHINWAG_PUBLIC_URL": "http://localhost",
        "TESTING": True,
        "CHINWAG_RATE_LIMIT_SESSIONS": int(TEST_LIMITS["CHINWAG_RATE_LIMIT_SESSIONS"]),
        **config,
    }
    app = create_app(settings)
    upgrade(app)
    return app


PG_ADMIN_DSN = os.environ.get("CHINWAG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHINWAG_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _require(service: str, reachable: bool) -> None:
    if reachable:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{service} is required under CI=true but is not reachable")
    pytest.skip(f"{service} not reachable")


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except Exception:
        return False


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except Exception:
        return False


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    import psycopg

    name = f"chinwag_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    _require("PostgreSQL", postgres_reachable())
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    _require("Redis", redis_reachable())
    return REDIS_URL


@pytest.fixture
def redis_channel() -> str:
    return f"chinwag-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: Any, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/chinwag.db"
        return
    _require("PostgreSQL", postgres_reachable())
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def chinwag_app(tmp_path: Any, database_url: str) -> Iterator[Any]:
    app = make_app(tmp_path, database_url)
    yield app
    with app.app_context():
        from chinwag.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def chinwag_client(chinwag_app: Any) -> Any:
    return chinwag_app.test_client()


def create_user(app: Any, email: str, password: str, role: str = "admin") -> int:
    from chinwag.extensions import db
    from chinwag.models import User
    from chinwag.security import hash_password

    with app.app_context():
        user = User(
            email=email,
            name=email.split("@")[0],
            role=role,
            password_hash=hash_password(password),
            email_confirmed=True,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def login(client: Any, email: str, password: str) -> str:
    res = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert res.status_code == 200, res.get_json()
    return str(res.get_json()["access_token"])


@pytest.fixture
def admin_token(chinwag_app: Any, chinwag_client: Any) -> str:
    create_user(chinwag_app, "admin@example.com", "correct horse battery", "admin")
    return login(chinwag_client, "admin@example.com", "correct horse battery")


@pytest.fixture
def demo_site(chinwag_app: Any) -> dict[str, Any]:
    from chinwag.api.sites import create_site

    with chinwag_app.app_context():
        site = create_site("Test site", ["https://shop.example"])
        return {"id": site.id, "site_key": site.site_key, "identity_secret": site.identity_secret}


@pytest.fixture
def visitor_session(
    chinwag_client: Any, demo_site: dict[str, Any]
) -> Callable[..., dict[str, Any]]:
    def start(**extra: Any) -> dict[str, Any]:
        res = chinwag_client.post(
            "/api/v1/widget/session",
            json={"site_key": demo_site["site_key"], **extra},
            headers={"Origin": "https://shop.example"},
        )
        assert res.status_code == 200, res.get_json()
        return dict(res.get_json())

    return start


@pytest.fixture
def socket_client(chinwag_app: Any) -> Callable[..., Any]:
    """``socket_client(namespace, auth, origin=...)`` -> a connected Flask-SocketIO test client."""
    from chinwag.state import state

    def connect(namespace: str, auth: dict[str, Any], origin: str | None = None) -> Any:
        headers = {"Origin": origin} if origin else {}
        return (
            state(chinwag_app)
            .server()
            .test_client(chinwag_app, namespace=namespace, auth=auth, headers=headers)
        )

    return connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A ``chinwag run`` subprocess. ``restart()`` keeps its port, database and instance folder."""

    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chinwag", "run", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> LiveServer:
        self.stop()
        return self.start()


def run_cli(
    env: dict[str, str], *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``chinwag`` command with ``env``; raises with its output when it fails."""
    res = subprocess.run(
        [sys.executable, "-m", "chinwag", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if res.returncode != 0:
        raise AssertionError(f"chinwag {' '.join(args)} failed: {res.stdout}{res.stderr}")
    return res


@pytest.fixture
def live_server(tmp_path: Any) -> Iterator[Callable[..., LiveServer]]:
    """``live_server(database_url=None, redis_url=None, async_mode="gevent", **env)`` starts a
    migrated server with an admin ``admin@example.com`` / ``correct horse battery`` and a site
    whose allowed origin is ``http://127.0.0.1:<port>`` (``server.extra["site"]``)."""
    servers: list[LiveServer] = []

    def start(
        database_url: str | None = None,
        redis_url: str | None = None,
        async_mode: str = "gevent",
        instance: Path | None = None,
        **env: str,
    ) -> LiveServer:
        inst = instance or Path(tmp_path) / f"instance-{len(servers)}"
        inst.mkdir(parents=True, exist_ok=True)
        port = free_port()
        full = {
            **os.environ,
            "CHINWAG_INSTANCE_PATH": str(inst),
            "CHINWAG_DATABASE_URL": database_url or f"sqlite:///{inst}/chinwag.db",
            "CHINWAG_ASYNC_MODE": async_mode,
            "CHINWAG_SECRET_KEY": "live-test-secret-key-long-enough-for-hs256",
            "CHINWAG_PLUGIN_REFRESH_SECONDS": "0.5",
            "CHINWAG_PUBLIC_URL": f"http://127.0.0.1:{port}",
            **TEST_LIMITS,
            **env,
        }
        if redis_url:
            full["CHINWAG_REDIS_URL"] = redis_url
        server = LiveServer(full, port, inst / "server.log")
        if instance is None or not (inst / ".prepared").exists():
            run_cli(full, "db", "upgrade")
            if not env.get("CHINWAG_SKIP_DEMO_DATA"):
                import json

                with contextlib.suppress(AssertionError):
                    run_cli(
                        full,
                        "users",
                        "create",
                        "--email",
                        "admin@example.com",
                        "--password",
                        "correct horse battery",
                        "--role",
                        "admin",
                    )
                out = run_cli(
                    full,
                    "sites",
                    "create",
                    "--name",
                    "Live",
                    "--origin",
                    f"http://127.0.0.1:{port}",
                    "--json",
                )
                server.extra["site"] = json.loads(out.stdout)
            (inst / ".prepared").touch()
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


CHROMIUM = os.environ.get("CHINWAG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A Playwright ``Browser`` on Debian's Chromium (never a downloaded browser), one per test
    session: Playwright's sync API allows a single driver loop per process."""
    import shutil

    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required under CI=true")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context and page per test (no shared cookies or storage)."""
    context = chromium.new_context()
    pg = context.new_page()
    yield pg
    context.close()


# -- background jobs (docs/jobs.md) -------------------------------------------------------------


def run_jobs(app: Any, max_jobs: int = 1000, scheduled: bool = False) -> int:
    """Run every background job queued on ``app`` now, in this process, until none is left, and
    return how many ran. Retries waiting for their back-off run at once too, so a test sees a
    job's final outcome without sleeping. Tests' apps start no worker: what a plugin queues
    with ``ctx.run_in_background`` (or a due ``ScheduledJob``) runs when the test calls this.
    ``scheduled=True`` also runs every enabled ``ScheduledJob`` once, due or not."""
    from chinwag.app import state

    return int(state(app).jobs.run_pending(max_jobs, periodic=scheduled))


@pytest.fixture(name="run_jobs")
def _run_jobs_fixture(chinwag_app: Any) -> Callable[[], int]:
    """``run_jobs()``: :func:`run_jobs` on ``chinwag_app``."""
    return lambda: run_jobs(chinwag_app)
