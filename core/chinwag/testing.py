"""A pytest plugin for Chinwag and its plugin authors (loaded through the ``pytest11`` entry point).

A plugin's tests need nothing else of Chinwag: this module and ``chinwag_plugin_api``. Every
fixture's docstring names what it yields (``pytest --fixtures`` lists them); the helpers below
(``register_plugin``, ``enable_plugin``, ``configure_plugin``, ``plugin_context``,
``create_site``, ``app_session``, ``migrate``, ``downgrade``) take the app a fixture gave. docs/writing-plugins.md
walks through them.

- ``chinwag_app``: a migrated app, once on SQLite and once on PostgreSQL (a fresh database on
  127.0.0.1:5432; skipped when unreachable, required when ``CI=true``); its instance folder is
  the test's temporary directory, nothing is written to the working directory.
- ``chinwag_client`` (Flask test client), ``admin_token``, ``demo_site``, ``visitor_session``,
  ``socket_client`` (Flask-SocketIO test client factory), ``visitor_client`` / ``agent_client``
  (protocol-speaking clients that wait for bot replies), ``analytics`` (a captured sink),
  ``clock`` (a fake clock), ``answer_bot`` (a bot that answers), ``sink_health`` (an analytics
  sink's delivery figures), ``site_settings`` (changes ``demo_site``'s widget settings);
  ``exported_service(client, token, visitor_id, service)``: a service's part of a visitor's export.
- ``pg_url`` / ``redis_url``: real services, a fresh database / a private pub/sub channel.
- ``live_server``: a factory that starts ``chinwag run`` in a subprocess on a free port;
  ``live_admin_headers(server)`` and ``enable_live_plugins(server, headers, plugins)`` sign in
  to its REST API and enable plugins there.
- ``http_capture``: a factory of local HTTP servers (:class:`HTTPCapture`) that keep every
  request and answer as a test says: the outside service a plugin calls (:class:`FakeService`
  is the base of a fake that implements such a service's documented API).
- ``run_jobs``: runs the app's queued background jobs now (see :func:`run_jobs`).
- ``deliver_analytics(app)``: hands analytics sinks what waits for them now (docs/analytics.md);
  ``overflow_analytics_buffer(app, visitor_client)``: six events into a sink buffer of five.
- ``smtp_server``: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives; set
  ``CHINWAG_SMTP_URL`` to its ``url`` and run the jobs to see the mail Chinwag sends.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pytest

from chinwag.testing_db import PG_ADMIN_DSN

#: tests and benchmarks start hundreds of visitors and sockets from one loopback address: the
#: per-address caps of docs/security.md are lifted unless a test sets them (tests/security does);
#: failed sign-ins too (tests fail passwords on purpose, and Redis-backed counters outlive one
#: test). Agents a test creates on no team and no site see every site (``all``: a fresh
#: install's ``auto`` would show them nothing) unless a test sets ``CHINWAG_UNSCOPED_AGENTS``.
TEST_LIMITS = {
    "CHINWAG_RATE_LIMIT_SESSIONS": "1000000",
    "CHINWAG_MAX_CONNECTIONS_PER_IP": "0",
    "CHINWAG_RATE_LIMIT_SIGNINS": "1000000",
    "CHINWAG_RATE_LIMIT_ACCOUNT_SIGNINS": "1000000",
    "CHINWAG_UNSCOPED_AGENTS": "all",
    # test passwords need no protection: argon2's cheapest parameters (standard: ~0.1-0.7 s each)
    "CHINWAG_PASSWORD_HASHING": "cheapest",
}

if TYPE_CHECKING:
    from chinwag_plugin_api import AnalyticsEvent, PluginContext, PluginInfo
    from flask import Flask
    from flask.testing import FlaskClient
    from sqlalchemy.orm import Session


def make_app(
    tmp_path: Any, database_url: str | None = None, revision: str | None = "heads", **config: Any
) -> Flask:
    """A Chinwag app whose instance folder is ``tmp_path``, migrated to ``revision`` (None: not
    migrated). ``config`` overrides settings (``CHINWAG_*`` keys). Call :func:`dispose` when done
    if the test makes many apps."""
    from unittest import mock

    from chinwag.app import create_app

    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    settings = {
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "CHINWAG_DATABASE_URL": database_url or f"sqlite:///{tmp_path}/chinwag.db",
        "CHINWAG_PLUGIN_REFRESH_SECONDS": 0.0,
        "CHINWAG_PUBLIC_URL": "http://localhost",
        "TESTING": True,
        "CHINWAG_RATE_LIMIT_SESSIONS": int(TEST_LIMITS["CHINWAG_RATE_LIMIT_SESSIONS"]),
        "CHINWAG_RATE_LIMIT_SIGNINS": int(TEST_LIMITS["CHINWAG_RATE_LIMIT_SIGNINS"]),
        "CHINWAG_RATE_LIMIT_ACCOUNT_SIGNINS": int(
            TEST_LIMITS["CHINWAG_RATE_LIMIT_ACCOUNT_SIGNINS"]
        ),
        "CHINWAG_UNSCOPED_AGENTS": TEST_LIMITS["CHINWAG_UNSCOPED_AGENTS"],
        "CHINWAG_MAX_CONNECTIONS_PER_IP": int(TEST_LIMITS["CHINWAG_MAX_CONNECTIONS_PER_IP"]),
        "CHINWAG_PASSWORD_HASHING": TEST_LIMITS["CHINWAG_PASSWORD_HASHING"],
        **config,
    }
    # the environment is read before ``settings`` apply: point it at the temporary folder so no
    # ``instance/secret_key`` lands in the working directory
    env = {"CHINWAG_INSTANCE_PATH": str(tmp_path), "CHINWAG_SECRET_KEY": settings["SECRET_KEY"]}
    with mock.patch.dict(os.environ, env):
        app = create_app(settings)
    if revision == "heads":
        from chinwag import testing_db

        # an empty database starts as a copy of one migrated earlier in this test process
        if not testing_db.start_migrated(app):
            migrate(app, revision)
            testing_db.remember(app, overrides=bool(config))
    else:
        from chinwag import testing_db

        testing_db.make_empty(app)
        if revision is not None:
            migrate(app, revision)
    return app


def migrate(app: Flask, revision: str = "heads") -> None:
    """Apply the core's and the loaded plugins' migrations up to ``revision``."""
    from chinwag.dbmigrate import upgrade

    upgrade(app, revision)


def downgrade(app: Flask, revision: str) -> None:
    """Revert migrations to ``revision`` (``"0001_hello"``, ``"chinwag_hello@base"``): with
    :func:`make_app` (``revision=...``) and :func:`migrate`, a test builds a database at an old
    revision, writes rows as that version did, and checks what an upgrade and a downgrade make
    of them."""
    from chinwag.dbmigrate import downgrade as revert

    revert(app, revision)


def dispose(app: Flask) -> None:
    """Close the app's database connections (end of a test that built its own app), once the
    event bus has delivered what the test did (a listener must not find its database gone)."""
    from chinwag.app import state
    from chinwag.extensions import db

    with contextlib.suppress(Exception):  # an app whose start failed half-way has no bus
        state(app).bus.wait_idle(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def app_session(app: Flask) -> Iterator[Session]:
    """The app's SQLAlchemy session inside an app context, for arranging and checking data; the
    test commits what it wants kept."""
    from chinwag.extensions import db

    with app.app_context():
        try:
            yield db.session  # type: ignore[misc]
        finally:
            db.session.remove()


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
def fresh_postgres_database(migrated: bool = False) -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards (in the
    background). ``migrated``: a copy of this test process's migrated template when there is one
    (:mod:`chinwag.testing_db`; an app of other plugins makes it empty again before migrating)."""
    from chinwag import testing_db

    template = testing_db.default_pg_template() if migrated else None
    name = testing_db.new_database(template)
    if template:
        testing_db.made_from(name, template)
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        testing_db.forget(name)
        testing_db.drop_later(name)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """-> ``str``: the SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped afterwards
    (skipped when PostgreSQL is unreachable; required under ``CI=true``)."""
    _require("PostgreSQL", postgres_reachable())
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """-> ``str``: the URL of the Redis server (skipped when unreachable; required under CI)."""
    _require("Redis", redis_reachable())
    return REDIS_URL


@pytest.fixture
def redis_channel() -> str:
    """-> ``str``: a pub/sub channel name private to this test."""
    return f"chinwag-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: Any, tmp_path: Any) -> Iterator[str]:
    """-> ``str``: a database URL, once SQLite in ``tmp_path`` and once a fresh PostgreSQL one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/chinwag.db"
        return
    _require("PostgreSQL", postgres_reachable())
    # the ``chinwag_app`` fixture migrates it at once: start from the migrated template
    with fresh_postgres_database(migrated="chinwag_app" in request.fixturenames) as url:
        yield url


@pytest.fixture
def chinwag_app(tmp_path: Any, database_url: str) -> Iterator[Flask]:
    """-> ``flask.Flask``: a migrated Chinwag app on ``database_url`` (SQLite and PostgreSQL),
    threading mode, plugin state re-read on every call, instance folder in ``tmp_path``."""
    app = make_app(tmp_path, database_url)
    yield app
    dispose(app)


@pytest.fixture
def chinwag_client(chinwag_app: Flask) -> FlaskClient:
    """-> ``flask.testing.FlaskClient``: HTTP requests to ``chinwag_app``."""
    return chinwag_app.test_client()


def create_user(app: Flask, email: str, password: str, role: str = "admin") -> int:
    """Create a signed-up user (``admin`` or ``agent``) and return their id: the CLI's action
    (audited as ``cli``, ``user.changed`` emitted), so tests see what a real account gets."""
    from chinwag.actions.users import create_user as create

    with app.app_context():
        user = create(
            email, name=email.split("@")[0], role=role, password=password, email_confirmed=True
        )
        return user.id


def login(client: FlaskClient, email: str, password: str) -> str:
    """Sign in by password and return the access token (``Authorization: Bearer <token>``)."""
    res = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert res.status_code == 200, res.get_json()
    return str(res.get_json()["access_token"])


ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"  # noqa: S105 - the test admin's documented password


@pytest.fixture
def admin_token(chinwag_app: Flask, chinwag_client: FlaskClient) -> str:
    """-> ``str``: the access token of an admin ``admin@example.com`` / ``correct horse battery``."""
    create_user(chinwag_app, ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
    return login(chinwag_client, ADMIN_EMAIL, ADMIN_PASSWORD)


def create_site(
    app: Flask, name: str = "Test site", origins: tuple[str, ...] = ("https://shop.example",)
) -> dict[str, Any]:
    """Create a site; return ``{"id", "site_key", "identity_secret"}``."""
    from chinwag.api.sites import create_site as _create

    with app.app_context():
        site = _create(name, list(origins))
        return {"id": site.id, "site_key": site.site_key, "identity_secret": site.identity_secret}


def insert_site(app: Flask, name: str = "Old site") -> dict[str, Any]:
    """A site row written with SQL alone, for a database held at an old revision by
    ``make_app(revision=...)``: :func:`create_site` goes through today's models (its audit entry
    has columns an old schema lacks). Returns what :func:`create_site` returns."""
    import secrets

    from sqlalchemy import text

    from chinwag.extensions import db

    key, secret = f"site_{secrets.token_hex(8)}", secrets.token_hex(16)
    with app.app_context():
        row = db.session.execute(
            text(
                "INSERT INTO sites (name, site_key, allowed_origins, widget_settings,"
                " identity_secret, identity_required, created_at) VALUES (:name, :key,"
                " '[\"https://shop.example\"]', '{}', :secret, false, CURRENT_TIMESTAMP)"
                " RETURNING id"
            ),
            {"name": name, "key": key, "secret": secret},
        ).scalar_one()
        db.session.commit()
    return {"id": int(row), "site_key": key, "identity_secret": secret}


@pytest.fixture
def demo_site(chinwag_app: Flask) -> dict[str, Any]:
    """-> ``dict``: ``{"id", "site_key", "identity_secret"}`` of a site allowing
    ``https://shop.example``."""
    return create_site(chinwag_app)


@pytest.fixture
def visitor_session(
    chinwag_client: FlaskClient, demo_site: dict[str, Any]
) -> Callable[..., dict[str, Any]]:
    """-> ``visitor_session(**extra) -> dict``: a new widget session on ``demo_site`` (the
    response of ``POST /api/v1/widget/session``: ``visitor_token``, ``visitor_id``, ...)."""

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
def socket_client(chinwag_app: Flask) -> Callable[..., Any]:
    """-> ``socket_client(namespace, auth, origin=None)``: a connected Flask-SocketIO test client."""
    from chinwag.state import state

    def connect(namespace: str, auth: dict[str, Any], origin: str | None = None) -> Any:
        headers = {"Origin": origin} if origin else {}
        return (
            state(chinwag_app)
            .server()
            .test_client(chinwag_app, namespace=namespace, auth=auth, headers=headers)
        )

    return connect


# -- plugins under test -------------------------------------------------------------------------


@dataclass(frozen=True)
class PluginHandle:
    """A plugin registered by :func:`register_plugin`, for checking what the host saw."""

    app: Flask
    name: str

    def health(self) -> dict[str, Any]:
        """The plugin's health as admins see it: ``calls``, ``failures``, ``timeouts``, ..."""
        return dict(self._report()["health"])

    @property
    def load_errors(self) -> list[str]:
        """Why the host refused parts of the plugin (empty when all loaded)."""
        return list(self._report()["load_errors"])

    @property
    def enabled(self) -> bool:
        return bool(self._report()["enabled"])

    def _report(self) -> dict[str, Any]:
        with self.app.app_context():
            return self.app.extensions["chinwag"].plugins.report(self.name)[0]  # type: ignore[no-any-return]


def register_plugin(
    app: Flask,
    name: str,
    *implementations: type[Any],
    info: PluginInfo | None = None,
    version: str = "0.0.0",
    api_requirement: str = ">=1.0,<2",
) -> PluginHandle:
    """Add a plugin made of ``implementations`` (extension-point classes, each placed under its
    base's namespace, and the plugin's event classes, as if under ``chinwag.events``) to a
    running app, without installing it. It goes through the checks of an installed plugin (API
    range, hook signatures, event names) and is enabled unless ``info`` says otherwise.
    """
    from chinwag_plugin_api import Event
    from chinwag_plugin_api import PluginInfo as _Info
    from chinwag_plugin_api.events import EVENTS_NAMESPACE

    grouped: dict[str, list[type[Any]]] = {}
    for cls in implementations:
        namespace = (
            EVENTS_NAMESPACE
            if isinstance(cls, type) and issubclass(cls, Event)
            else getattr(cls, "namespace", None)
        )
        if not isinstance(namespace, str):
            raise TypeError(f"{cls!r} does not subclass an extension point of chinwag_plugin_api")
        grouped.setdefault(namespace, []).append(cls)
    host = app.extensions["chinwag"].plugins
    record = host.register_test_plugin(
        name, info or _Info(display_name=name), grouped, version, api_requirement
    )
    if record.loaded:
        _mount(app, record)
    return PluginHandle(app, name)


def _mount(app: Flask, record: Any) -> None:
    """Mount an added plugin's routes and socket events as start-up does for installed ones."""
    from chinwag.app import mount_plugin_routes
    from chinwag.realtime.plugin_events import register_record_events
    from chinwag.state import state

    # Flask refuses new routes once a request was served (a guard for production code); a
    # test adds a plugin to a running app on purpose, so the guard is lifted for this call
    served = app._got_first_request
    app._got_first_request = False
    try:
        mount_plugin_routes(app, app.extensions["chinwag"], record)
    finally:
        app._got_first_request = served
    register_record_events(state(app).server(), state(app).plugins, record)


def enable_plugin(app: Flask, name: str, enabled: bool = True) -> None:
    """Enable (or disable) a plugin as an admin would: stored, audited, live in every process."""
    from chinwag.plugins import admin

    with app.app_context():
        admin.set_enabled(app.extensions["chinwag"].plugins, name, enabled, None)


def configure_plugin(app: Flask, name: str, **settings: Any) -> None:
    """Change a plugin's settings as an admin would (validated by its settings schema; raises
    ``marshmallow.ValidationError`` on bad values)."""
    from chinwag.plugins import admin

    with app.app_context():
        admin.configure(app.extensions["chinwag"].plugins, name, settings, None)


def plugin_context(app: Flask, name: str) -> PluginContext:
    """The :class:`~chinwag_plugin_api.PluginContext` a plugin's hooks get; use it inside
    ``app.app_context()`` or ``app.test_request_context()``."""
    from chinwag.plugins.context import context_for

    return context_for(app.extensions["chinwag"].plugins.records[name])


def deliver_analytics(app: Flask) -> None:
    """Hand analytics sinks now what waits for them: wait for the bus, queue every outbox and
    run the app's queued jobs here (sinks get batches on the job queue, and tests' apps start
    no worker). Retries waiting for their back-off run at once."""
    from chinwag.actions import analytics as pipeline

    chinwag = app.extensions["chinwag"]
    # a busy machine can hold a lane's worker back for seconds: wait long, and say so if not idle
    if not chinwag.bus.wait_idle(timeout=60):
        raise AssertionError(
            f"the event bus still has {chinwag.bus.pending()} deliveries after 60 s"
        )
    with app.app_context():
        pipeline.flush()
    chinwag.jobs.run_pending(include_scheduled=True)


def overflow_analytics_buffer(app: Flask, visitor_client: Callable[..., Any]) -> None:
    """With ``CHINWAG_ANALYTICS_BUFFER=5`` and ``CHINWAG_ANALYTICS_BATCH=2``, a new visitor makes
    six analytics events (``widget.session_started``, ``conversation.started``, four
    ``message.sent``) and the first two batches are tried now: against a sink whose service is
    down, five wait and one is dropped (docs/analytics.md, step 4); ``deliver_analytics`` sends
    the five once it is back."""
    app.config.update(CHINWAG_ANALYTICS_BUFFER=5, CHINWAG_ANALYTICS_BATCH=2)
    visitor = visitor_client()
    for n in range(4):
        visitor.send(f"message {n}")
    chinwag = app.extensions["chinwag"]
    assert chinwag.bus.wait_idle()
    assert chinwag.jobs.run_pending(max_jobs=2) == 2  # both batches fail while it is down


@dataclass
class CapturedAnalytics:
    """Analytics events delivered to enabled sinks during the test, in order.

    Sinks get their events in batches on the job queue (docs/analytics.md); reading this object
    (``names``, ``of``, ``wait``) first queues what waits in the pipeline and runs the app's
    queued jobs, so a test sees what a sink would have received by then. The capturing sink is
    a third-party one: events of visitors without consent do not reach it."""

    events: list[AnalyticsEvent] = field(default_factory=list)
    app: Any = None

    def drain(self) -> None:
        """Deliver now what waits for the sinks (:func:`deliver_analytics`)."""
        if self.app is not None:
            deliver_analytics(self.app)

    def names(self) -> list[str]:
        self.drain()
        return [e.name for e in self.events]

    def of(self, name: str) -> list[AnalyticsEvent]:
        """The events called ``name`` (e.g. ``"message.sent"``)."""
        self.drain()
        return [e for e in self.events if e.name == name]

    def wait(self, count: int, timeout: float = 5) -> list[AnalyticsEvent]:
        """Wait until ``count`` events arrived (sinks get them after commit, off the request)."""
        deadline = time.monotonic() + timeout
        self.drain()
        while len(self.events) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.events)} of {count} events: {self.names()}")
            time.sleep(0.02)
            self.drain()
        return list(self.events)


@pytest.fixture
def analytics(chinwag_app: Flask) -> CapturedAnalytics:
    """-> ``CapturedAnalytics``: every analytics event of ``chinwag_app`` from now on, captured by
    a sink registered as the plugin ``captured-analytics``."""
    from chinwag_plugin_api import AnalyticsSink
    from chinwag_plugin_api import PluginInfo as _Info

    captured = CapturedAnalytics(app=chinwag_app)

    class CapturingSink(AnalyticsSink):
        def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
            captured.events.append(event)

    register_plugin(
        chinwag_app, "captured-analytics", CapturingSink, info=_Info("Captured analytics")
    )
    return captured


@pytest.fixture
def answer_bot(chinwag_app: Flask) -> None:
    """-> ``None``: the plugin ``answer-bot`` registered and enabled on ``chinwag_app``, a
    responder that answers every visitor message with ``Answer to: <text>`` and hands the
    conversation over to the agents (``Passing you to a colleague.``) when it asks for a
    ``human``."""
    from chinwag_plugin_api import ConversationView, MessageView, Reply, Responder

    class AnswerBot(Responder):
        def respond(
            self, ctx: PluginContext, conversation: ConversationView, message: MessageView
        ) -> Reply | None:
            if "human" in message.text:
                return Reply(text="Passing you to a colleague.", handoff=True)
            return Reply(text=f"Answer to: {message.text}")

    register_plugin(chinwag_app, "answer-bot", AnswerBot)


@pytest.fixture
def sink_health(chinwag_client: FlaskClient, admin_token: str) -> Callable[[str], dict[str, int]]:
    """-> ``sink_health(plugin) -> dict``: the delivery figures the admin shows for an analytics
    sink plugin (``pending``, ``delivered``, ``retried``, ``dropped``, ``dead_letters``,
    ``withheld``; docs/analytics.md), read from ``GET /api/v1/plugins/<plugin>``."""

    def read(plugin: str) -> dict[str, int]:
        res = chinwag_client.get(
            f"/api/v1/plugins/{plugin}", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert res.status_code == 200, res.get_json()
        return dict(res.get_json()["health"]["analytics"])

    return read


def exported_service(client: FlaskClient, token: str, visitor_id: int, service: str) -> Any:
    """The part of a visitor's export archive (``GET /api/v1/visitors/<id>/export.zip``, as the
    admin ``token``) whose ``"service"`` is ``service``: what a privacy handler's ``export``
    returned for that outside service (a plugin's tests check it names the ids it sent).
    Fails the test when the archive has no such part."""
    import io
    import zipfile

    res = client.get(f"/api/v1/visitors/{visitor_id}/export.zip", headers=_bearer(token))
    assert res.status_code == 200, res.data[:200]
    with zipfile.ZipFile(io.BytesIO(res.data)) as archive:
        for name in archive.namelist():
            if name.endswith(".json"):
                found = _service_part(json.loads(archive.read(name)), service)
                if found is not None:
                    return found
    raise AssertionError(f"no {service!r} part in the visitor's export")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _service_part(data: Any, service: str) -> Any:
    if isinstance(data, dict):
        if data.get("service") == service:
            return data
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            found = _service_part(value, service)
            if found is not None:
                return found
    return None


@pytest.fixture
def site_settings(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> Callable[..., dict[str, Any]]:
    """-> ``site_settings(**widget_settings) -> dict``: changes ``demo_site``'s widget settings
    as an admin does (``PATCH /api/v1/sites/<id>``, e.g. ``consent_required=True``); returns
    the site."""

    def change(**settings: Any) -> dict[str, Any]:
        res = chinwag_client.patch(
            f"/api/v1/sites/{demo_site['id']}",
            json={"widget_settings": settings},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert res.status_code == 200, res.get_json()
        return dict(res.get_json())

    return change


class FakeClock:
    """Wall-clock time that stands still until the test moves it (``datetime.now``,
    ``time.time`` and everything built on them, in every thread). Monotonic clocks keep running,
    so timeouts and the event loop behave."""

    def __init__(self, start: datetime) -> None:
        import time_machine

        self._traveller = time_machine.travel(start, tick=False)
        self._shift: Any = None

    def __enter__(self) -> FakeClock:
        self._shift = self._traveller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._traveller.stop()

    def now(self) -> datetime:
        """The current fake time (aware, UTC)."""
        return datetime.now(UTC)

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move time forward by ``seconds`` (and/or ``minutes=``, ``hours=``, ``days=``)."""
        self._shift.shift(timedelta(seconds=seconds, **delta))
        return self.now()

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware datetime)."""
        self._shift.move_to(when)


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """-> ``FakeClock``: frozen at 2030-01-01 00:00 UTC; ``clock.advance(hours=2)`` moves it."""
    with FakeClock(datetime(2030, 1, 1, tzinfo=UTC)) as fake:
        yield fake


class ProtocolClient:
    """A Socket.IO client that speaks Chinwag's protocol (docs/protocol.md) to ``chinwag_app``:
    sends messages with fresh ``client_msg_id``\\ s and waits for server events."""

    namespace = "/widget"

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.conversation_id: int | None = None
        self._inbox: list[dict[str, Any]] = []

    def emit(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one event and return its acknowledgement (``{"ok": ..., ...}``)."""
        ack = self.raw.emit(event, payload or {}, namespace=self.namespace, callback=True)
        # bots, analytics sinks and event listeners run after the ack, on the app's event bus:
        # wait for them, so a test can check their effects right after a call
        app = getattr(self.raw, "app", None)
        if app is not None:
            app.extensions["chinwag"].bus.wait_idle()
        return dict(ack)

    def send(self, text: str = "", **fields: Any) -> dict[str, Any]:
        """Send a message (in the current conversation, if any); return the acknowledgement.
        ``fields`` add protocol fields (``blocks``, ``conversation_id``, ``client_msg_id``)."""
        payload: dict[str, Any] = {"client_msg_id": uuid.uuid4().hex, "text": text, **fields}
        if self.conversation_id is not None:
            payload.setdefault("conversation_id", self.conversation_id)
        ack = self.emit("message.send", payload)
        if ack.get("ok"):
            self.conversation_id = ack["message"]["conversation_id"]
        return ack

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Server events received so far (each ``{"name", "args"}``), optionally of one name."""
        self._drain()
        return [e for e in self._inbox if name is None or e["name"] == name]

    def messages(self, author_kind: str | None = None) -> list[dict[str, Any]]:
        """Messages received so far (``message.new``), optionally only one author kind's."""
        found = [e["args"][0]["message"] for e in self.events("message.new") if e["args"]]
        return [m for m in found if author_kind is None or m["author_kind"] == author_kind]

    def wait_for(
        self, name: str, match: Callable[[Any], bool] = lambda _d: True, timeout: float = 5
    ) -> Any:
        """The first event ``name`` whose data satisfies ``match``, waiting up to ``timeout``
        seconds; the event is consumed. Raises ``AssertionError`` with what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(name):
                data = event["args"][0] if event["args"] else None
                if match(data):
                    self._inbox.remove(event)
                    return data
            if time.monotonic() > deadline:
                seen = [e["name"] for e in self._inbox]
                raise AssertionError(f"no {name} event within {timeout}s; received {seen}")
            time.sleep(0.02)

    def wait_for_reply(self, timeout: float = 5, author_kind: str = "bot") -> dict[str, Any]:
        """The next message from a bot (or ``author_kind``) in this client's conversations."""

        def wanted(data: Any) -> bool:
            return bool(data and data["message"]["author_kind"] == author_kind)

        message: dict[str, Any] = self.wait_for("message.new", wanted, timeout)["message"]
        return message

    def close_conversation(self, conversation_id: int | None = None) -> dict[str, Any]:
        """Close ``conversation_id`` (this client's conversation by default) as the widget or
        the inbox does (``conversation.close``); return the acknowledgement."""
        cid = self.conversation_id if conversation_id is None else conversation_id
        return self.emit("conversation.close", {"conversation_id": cid})

    def wait_for_prompt(self, event: str, timeout: float = 5) -> dict[str, Any]:
        """The next ``plugin.event`` called ``event`` (a canvas a plugin shows, e.g. a survey),
        waiting up to ``timeout`` seconds; the event is consumed."""
        found = self.wait_for(
            "plugin.event", lambda d: bool(d) and d.get("event") == event, timeout
        )
        return dict(found)

    def submit(self, prompt: dict[str, Any], **values: str) -> dict[str, Any]:
        """Answer a prompt's form as the widget does: send its ``submit`` component's action
        (the plugin's socket event, with the action's payload) with ``values`` and this client's
        conversation; return the acknowledgement."""
        submit = next(c for c in prompt["payload"]["components"] if c["type"] == "submit")
        action = submit["action"]
        body = {"payload": action["payload"], "values": values}
        return self.emit(action["event"], {**body, "conversation_id": self.conversation_id})

    def close(self) -> None:
        if self.raw.is_connected(self.namespace):
            self.raw.disconnect(namespace=self.namespace)

    def _drain(self) -> None:
        for event in self.raw.get_received(self.namespace):
            self._inbox.append({"name": event["name"], "args": event["args"]})


class VisitorClient(ProtocolClient):
    """A visitor in the widget namespace (``/widget``) of ``demo_site``."""

    namespace = "/widget"

    def __init__(self, raw: Any, session: dict[str, Any]) -> None:
        super().__init__(raw)
        self.session = session
        self.visitor_id: int = session["visitor_id"]
        #: headers of the widget's calls to plugin routes: its token and the site's origin
        self.headers = {
            "Authorization": f"Visitor {session['visitor_token']}",
            "Origin": "https://shop.example",
        }


class AgentClient(ProtocolClient):
    """A signed-in agent or admin in the agent namespace (``/agent``)."""

    namespace = "/agent"

    def __init__(self, raw: Any, token: str) -> None:
        super().__init__(raw)
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}


@pytest.fixture
def visitor_client(
    socket_client: Callable[..., Any],
    visitor_session: Callable[..., dict[str, Any]],
    demo_site: dict[str, Any],
) -> Iterator[Callable[..., VisitorClient]]:
    """-> ``visitor_client(**session_fields) -> VisitorClient``: a new visitor of ``demo_site``,
    connected to ``/widget``: ``send(text)``, ``wait_for_reply()``, ``wait_for(event)``."""
    clients: list[VisitorClient] = []

    def connect(**extra: Any) -> VisitorClient:
        session = visitor_session(**extra)
        auth = {"site_key": demo_site["site_key"], "visitor_token": session["visitor_token"]}
        client = VisitorClient(socket_client("/widget", auth), session)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def agent_client(
    chinwag_app: Flask, chinwag_client: FlaskClient, socket_client: Callable[..., Any]
) -> Iterator[Callable[..., AgentClient]]:
    """-> ``agent_client(role="agent") -> AgentClient``: a new user of that role, signed in and
    connected to ``/agent``; ``headers`` authorise REST calls as them."""
    clients: list[AgentClient] = []

    def connect(role: str = "agent") -> AgentClient:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        create_user(chinwag_app, email, ADMIN_PASSWORD, role)
        token = login(chinwag_client, email, ADMIN_PASSWORD)
        client = AgentClient(socket_client("/agent", {"token": token}), token)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a local HTTP service (for plugins that call one) ------------------------------------------


@dataclass
class CapturedRequest:
    """One request an :class:`HTTPCapture` received: ``path`` keeps the query string."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def route(self) -> str:
        """The path without the query string."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string, parsed (``urllib.parse.parse_qs``)."""
        from urllib.parse import parse_qs, urlsplit

        return parse_qs(urlsplit(self.path).query)


#: ``answer(request) -> (status, body)``: ``body`` is sent as JSON; ``None`` sends no body
HTTPAnswer = Callable[[CapturedRequest], tuple[int, Any]]


class HTTPCapture:
    """A local HTTP server on 127.0.0.1 (a free port) that stands in for the outside service a
    plugin calls: every request is kept in ``requests`` (in order) and ``answer(request) ->
    (status, body)`` decides each reply (``body`` as JSON, ``None`` for an empty one). Without
    ``answer`` every request gets 200 ``{}``. The ``http_capture`` fixture starts one and stops
    it after the test; a fake of a documented API is a :class:`FakeService`."""

    def __init__(self, answer: HTTPAnswer | None = None) -> None:
        self.answer: HTTPAnswer = answer or (lambda request: (200, {}))
        self.requests: list[CapturedRequest] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (once started)."""
        assert self.server is not None, "start() the server first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> HTTPCapture:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = CapturedRequest(
                    self.command, self.path, dict(self.headers), self.rfile.read(length)
                )
                with capture.lock:
                    capture.requests.append(request)
                status, answer = capture.answer(request)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                if answer is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _reply

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class FakeService:
    """The base of a local fake of a documented HTTP API (for a plugin's tests and benches): a
    subclass's ``answer(request) -> (status, json_body)`` validates and answers each request as
    the real service would; ``start()`` runs it on an :class:`HTTPCapture` (``url``, ``http``)
    and ``stop()`` ends it. Works as a base of a ``@dataclass`` holding what the fake kept
    (plugins_builtin/ga4/tests/ga4_fake.py, plugins_builtin/mixpanel/tests/mixpanel_fake.py)."""

    http: HTTPCapture | None = None

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self.http is not None, "start() the fake first"
        return self.http.url

    def start(self) -> Self:
        self.http = HTTPCapture(self.answer).start()
        return self

    def stop(self) -> None:
        if self.http is not None:
            self.http.stop()


@pytest.fixture
def http_capture() -> Iterator[Callable[..., HTTPCapture]]:
    """-> ``http_capture(answer=None) -> HTTPCapture``: starts a local HTTP server on
    127.0.0.1 that keeps every request (``.requests``, ``.url``) and answers with
    ``answer(request) -> (status, json_body)``; every one started is stopped after the test."""
    started: list[HTTPCapture] = []

    def start(answer: HTTPAnswer | None = None) -> HTTPCapture:
        started.append(HTTPCapture(answer).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


class SmtpInbox:
    """What ``smtp_server`` received: ``mails`` as ``(recipients, email.message.EmailMessage)``,
    ``logins`` as ``(user, password)`` bytes; ``refuse = n`` answers the next n mails with a 451
    (try again later), as a busy server does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.mails: list[tuple[list[str], Any]] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.refuse = 0

    def url(self, user: str = "chinwag", password: str = "secret") -> str:  # noqa: S107
        """``smtp://user:password@127.0.0.1:port`` (credentials percent-encoded)."""
        from urllib.parse import quote

        return f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.mails.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        self.logins.append((data.login, data.password))
        return AuthResult(success=True)

    def only(self) -> tuple[list[str], Any]:
        """The one mail received (asserted), taken out of ``mails``."""
        assert len(self.mails) == 1, [m["Subject"] for _r, m in self.mails]
        return self.mails.pop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    """-> ``SmtpInbox``: a real SMTP server (aiosmtpd, the ``testing`` extra) on 127.0.0.1 that
    accepts any login (without TLS: loopback) and keeps every mail it receives."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox(free_port())
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=inbox._auth,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@dataclass
class LiveServer:
    """A ``chinwag run`` subprocess. ``restart()`` keeps its port, database and instance folder."""

    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the interpreter that runs ``chinwag`` (another virtualenv's, to test an installed plugin)
    python: str = sys.executable

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> LiveServer:
        """Start ``chinwag run`` and wait for ``/healthz`` (generous: a loaded 2-core CI machine
        can take tens of seconds to import and migrate); a server that never answers is killed."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [self.python, "-m", "chinwag", "run", "--port", str(self.port)],
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
        self.proc.kill()
        self.proc.wait()
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
    env: dict[str, str], *args: str, input: str | None = None, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    """Run the ``chinwag`` command with ``env`` (and ``python``); raises with its output when it
    fails."""
    res = subprocess.run(
        [python, "-m", "chinwag", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if res.returncode != 0:
        raise AssertionError(f"chinwag {' '.join(args)} failed: {res.stdout}{res.stderr}")
    return res


_STEPS = """
import contextlib, io, json, sys
from chinwag.cli import cli
outputs = []
for args, optional in json.loads(sys.argv[1]):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            cli.main(args, prog_name="chinwag", standalone_mode=False)
    except Exception:
        if not optional:
            sys.stderr.write(out.getvalue())
            raise
    outputs.append(out.getvalue())
print(json.dumps(outputs))
"""


def run_cli_steps(
    env: dict[str, str], steps: list[tuple[list[str], bool]], python: str = sys.executable
) -> list[str]:
    """Run several ``chinwag`` commands in one process (a process start costs more than most
    commands): ``steps`` are (arguments, may fail); returns each command's output."""
    import json

    res = subprocess.run(
        [python, "-c", _STEPS, json.dumps(steps)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if res.returncode != 0:
        raise AssertionError(f"chinwag {steps} failed: {res.stdout}{res.stderr}")
    outputs: list[str] = json.loads(res.stdout.strip().splitlines()[-1])
    return outputs


@pytest.fixture
def live_server(tmp_path: Any) -> Iterator[Callable[..., LiveServer]]:
    """-> ``live_server(database_url=None, redis_url=None, async_mode="gevent", **env) ->
    LiveServer``: starts a
    migrated server with an admin ``admin@example.com`` / ``correct horse battery`` and a site
    whose allowed origin is ``http://127.0.0.1:<port>`` (``server.extra["site"]``)."""
    servers: list[LiveServer] = []

    def start(
        database_url: str | None = None,
        redis_url: str | None = None,
        async_mode: str = "gevent",
        instance: Path | None = None,
        python: str = sys.executable,
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
        server = LiveServer(full, port, inst / "server.log", python=python)
        if instance is None or not (inst / ".prepared").exists():
            steps: list[tuple[list[str], bool]] = [(["db", "upgrade"], False)]
            if not env.get("CHINWAG_SKIP_DEMO_DATA"):
                admin = ["--email", "admin@example.com", "--password", "correct horse battery"]
                origin = f"http://127.0.0.1:{port}"
                steps += [
                    (["users", "create", *admin, "--role", "admin"], True),  # kept instance
                    (["sites", "create", "--name", "Live", "--origin", origin, "--json"], False),
                ]
            outputs = run_cli_steps(full, steps, python=python)
            if not env.get("CHINWAG_SKIP_DEMO_DATA"):
                import json

                server.extra["site"] = json.loads(outputs[-1])
            (inst / ".prepared").touch()
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()
        # pytest shows this only for a test that failed: the server's side of the story
        with contextlib.suppress(OSError):
            tail = server.log_path.read_text(errors="replace").splitlines()[-40:]
            print(f"--- last lines of {server.log_path} ---", *tail, sep="\n")


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
    """-> ``playwright.sync_api.Browser`` on Debian's Chromium (never a downloaded browser), one per test
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


def chat_frame(page: Any, timeout: float = 45) -> Any:
    """The widget's chat iframe in a Playwright ``page``, once its app has rendered."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/widget/frame/" in frame.url:
                try:
                    if frame.evaluate("() => !!document.querySelector('.cw-panel')"):
                        return frame
                except PlaywrightError as exc:  # the frame navigated meanwhile: look again
                    last_error = exc
        # Playwright's own wait, not time.sleep: the sync API handles the browser's events
        # (a cross-origin frame attached or swapped) only while it runs; a sleeping loop was
        # seen to look at a stale frame for 45 s
        page.wait_for_timeout(100)
    src = None
    with contextlib.suppress(PlaywrightError):
        src = page.evaluate(
            "() => { const w = document.querySelector('chinwag-widget');"
            " const f = w && (w.shadowRoot || w).querySelector('iframe'); return f && f.src; }"
        )
    said = getattr(page, "chinwag_said", [])[-15:]
    body = None
    with contextlib.suppress(PlaywrightError):
        frames = [f for f in page.frames if "/widget/frame/" in f.url]
        body = frames[0].evaluate("() => document.body.innerHTML.slice(0, 400)") if frames else None
    raise AssertionError(
        f"no chat frame in {[f.url for f in page.frames]} (iframe src: {src}; frame body: "
        f"{body!r}; the page said: {said}; last wait: {str(last_error)[:300]!r})"
    )


def sign_in_admin(
    page: Any,
    url: str,
    email: str = ADMIN_EMAIL,
    password: str = ADMIN_PASSWORD,
    *,
    path: str = "/admin/",
) -> None:
    """Open the admin's ``path`` signed out in a Playwright ``page``, be sent to the sign-in
    page, sign in there with the keyboard (Enter) and wait until ``path`` is back.

    Waits for the sign-in page to be ready first: its form submits through its script, and an
    Enter pressed before the script ran did nothing (the form's button is disabled until then)."""
    page.goto(f"{url}{path}")
    page.wait_for_url("**/admin/login?next=*")
    page.locator("body[data-ready=true]").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{url}{path}")
    page.locator("body[data-ready=true]").wait_for()


def open_chat_with_keyboard(page: Any, url: str, path: str = "/demo") -> Any:
    """Open ``path`` of a live server (the demo page by default), open the widget from its
    launcher with the keyboard (focus, Enter) and return the chat frame once its composer
    (``#cw-input``) is there."""
    page.goto(f"{url}{path}")
    page.locator("chinwag-widget button.l").focus()
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.locator("#cw-input").wait_for()
    return frame


def live_admin_headers(
    server: LiveServer, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> dict[str, str]:
    """The ``Authorization`` header of the admin ``live_server`` creates, for its REST API."""
    import requests

    res = requests.post(
        f"{server.url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def enable_live_plugins(
    server: LiveServer, headers: Mapping[str, str], plugins: Mapping[str, Mapping[str, Any]]
) -> None:
    """Enable each plugin of ``plugins`` (distribution name -> settings to set, may be empty)
    on a running ``live_server``, in order, through the admin API as the admin page does."""
    import requests

    for name, settings in plugins.items():
        patch: dict[str, Any] = {"enabled": True}
        if settings:
            patch["settings"] = dict(settings)
        res = requests.patch(
            f"{server.url}/api/v1/plugins/{name}", json=patch, headers=dict(headers), timeout=30
        )
        assert res.status_code == 200, res.text


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations (``id`` and the ``nodes`` it names) in every frame of a Playwright
    ``page``; ``axe_source`` is the text of ``axe.min.js`` (the widget's npm packages have it)."""
    found: list[dict[str, Any]] = []
    for frame in page.frames:
        if frame.url in ("", "about:blank"):
            continue
        frame.evaluate(axe_source + "\n;0")
        found += frame.evaluate(
            "async () => (await axe.run(document, {iframes: false})).violations"
            ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
    return found


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """-> ``playwright.sync_api.Page``: a fresh browser context and page per test (no shared cookies or storage)."""
    context = chromium.new_context()
    pg = context.new_page()
    # what the page and its frames said, for a failing test's message (:func:`chat_frame`)
    said: list[str] = []
    context.on("console", lambda m: said.append(f"console.{m.type}: {m.text}"[:300]))
    pg.on("pageerror", lambda e: said.append(f"page error: {e}"[:300]))
    pg.on("requestfailed", lambda r: said.append(f"request failed: {r.url} {r.failure}"[:300]))
    pg.chinwag_said = said
    yield pg
    context.close()


# -- the widget's languages ---------------------------------------------------------------------


def widget_languages() -> list[str]:
    """The languages the widget ships (two-letter codes, English first): a plugin's own strings
    (a survey, a mail) check they cover each of them."""
    from chinwag.widget_i18n import languages

    return languages()


# -- background jobs (docs/jobs.md) -------------------------------------------------------------


def run_jobs(app: Any, max_jobs: int = 1000, scheduled: bool = False) -> int:
    """Run every background job queued on ``app`` now, in this process, until none is left, and
    return how many ran. Retries waiting for their back-off run at once too, so a test sees a
    job's final outcome without sleeping. Tests' apps start no worker: what a plugin queues
    with ``ctx.run_in_background`` (or a due ``ScheduledJob``) runs when the test calls this.
    ``scheduled=True`` also runs every enabled ``ScheduledJob`` once, due or not. Then it
    waits for the app's event bus, as a client's ``emit`` does: the bots, sinks and listeners
    of what the jobs did (e.g. a bot's answer sent from a job) have run when it returns."""
    from chinwag.app import state

    chinwag = state(app)
    ran = int(chinwag.jobs.run_pending(max_jobs, periodic=scheduled))
    chinwag.bus.wait_idle()
    return ran


@pytest.fixture(name="run_jobs")
def _run_jobs_fixture(chinwag_app: Any) -> Callable[[], int]:
    """-> ``run_jobs() -> int``: :func:`run_jobs` on ``chinwag_app``."""
    return lambda: run_jobs(chinwag_app)
