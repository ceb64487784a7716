"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from chinwag_plugin_api import RoutesProvider, StorageDriver
from flask import Flask, request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from chinwag import secrets_at_rest
from chinwag.actions import subscribers
from chinwag.api import (
    admin_support,
    audit,
    auth,
    conversations,
    health,
    oauth,
    openapi,
    plugins,
    privacy,
    sites,
    users,
    widget_session,
)
from chinwag.api import canned as canned_api
from chinwag.api import consent as consent_api
from chinwag.api import conversation_activity as activity_api
from chinwag.api import inbox as inbox_api
from chinwag.api import installs as installs_api
from chinwag.api import profile as profile_api
from chinwag.api import retention as retention_api
from chinwag.api import saved_views as saved_views_api
from chinwag.api import teams as teams_api
from chinwag.config import ConfigError, check_production, load_config
from chinwag.errors import ApiError, register_converters, register_error_handlers
from chinwag.extensions import db
from chinwag.jobs import JobQueue
from chinwag.jsonsafe import SafeJSONProvider
from chinwag.plugins import PluginHost
from chinwag.plugins.context import context_for
from chinwag.plugins.requests import bind_request_context
from chinwag.realtime import init_realtime
from chinwag.routing import LazyBuilderRule
from chinwag.state import ChinwagState, state
from chinwag.web import web
from chinwag.widget_assets import bp as widget_assets_bp

__all__ = ["ChinwagState", "create_app", "state"]

log = logging.getLogger(__name__)


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        base = {"connect_args": {"timeout": 30, "check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            return base  # one connection in memory: SQLAlchemy's own pool
        # Every socket event is a greenlet that holds its pooled connection until it is done,
        # while writes queue on the app's writer lock (no timeout). With SQLAlchemy's default
        # 5 + 10 connections, 200 visitors opening conversations at once waited for a connection
        # instead, and those queued past the pool's 30 s answered an error (issue 12,
        # core/tests/test_sqlite_many_senders.py). A SQLite connection is a few file handles,
        # so the pool holds as many as a burst of senders needs, and waits longer for the rest.
        return {
            **base,
            "pool_size": 20,
            "max_overflow": 100,
            "pool_timeout": 120,
        }
    return {"pool_size": 20, "max_overflow": 40, "pool_pre_ping": True}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app from ``CHINWAG_*`` environment variables, overridden by ``config``."""
    settings = load_config()
    if config:
        settings.update(config)
    check_production(settings)  # a leaky production setup never starts (docs/security.md)
    try:
        secrets_at_rest.check_keys(settings)
    except secrets_at_rest.SecretsError as err:
        raise ConfigError(str(err)) from None
    app = Flask("chinwag", instance_path=settings["CHINWAG_INSTANCE_PATH"])
    app.url_rule_class = LazyBuilderRule  # URL builders compiled on first url_for, not here
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["CHINWAG_DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config["CHINWAG_DATABASE_URL"])
    app.json = SafeJSONProvider(app)  # every route's get_json() refuses what jsonsafe refuses
    app.json.sort_keys = False
    db.init_app(app)
    if app.config["CHINWAG_DATABASE_URL"].startswith("sqlite"):
        with app.app_context():  # this app's engine only: no listener on every Engine
            event.listen(db.engine, "connect", _sqlite_pragmas)

    host = PluginHost(
        blocked=set(app.config["CHINWAG_DISABLED_PLUGINS"].split(",")),
        hook_timeout_ms=app.config["CHINWAG_HOOK_TIMEOUT_MS"],
        refresh_seconds=app.config["CHINWAG_PLUGIN_REFRESH_SECONDS"],
        import_timeout=app.config["CHINWAG_PLUGIN_IMPORT_TIMEOUT_SECONDS"],
    )
    storage = host.driver(StorageDriver.namespace, app.config["CHINWAG_STORAGE"])
    storage.configure({"instance_path": app.instance_path, **app.config["CHINWAG_STORAGE_OPTIONS"]})
    chinwag = ChinwagState(plugins=host, storage=storage, context_factory=context_for)
    chinwag.bus.bind(app)
    subscribers.subscribe(chinwag.bus)  # responders, analytics sinks, plugin listeners
    app.extensions["chinwag"] = chinwag
    chinwag.jobs = JobQueue(app, host, chinwag.context)
    host.counter_store = chinwag.jobs.huey  # plugins' own counters (ctx.count, API 1.3)

    register_error_handlers(app)
    register_converters(app)  # before any route: path ids are bounded (docs/security.md)
    _register_core_blueprints(app)
    _register_plugin_routes(app, chinwag)

    init_realtime(app)
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe ``CHINWAG_TRUSTED_PROXIES`` hops of ``X-Forwarded-For``/``-Proto`` (0: none).

    ProxyFix wraps the outermost WSGI layer, outside Socket.IO's middleware, so REST, the
    Engine.IO handshake and every socket see the same client address (rate limits, audit)."""
    hops = int(app.config.get("CHINWAG_TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_core_blueprints(app: Flask) -> None:
    for module in (health, auth, sites, plugins, widget_session, conversations, privacy, openapi):
        app.register_blueprint(module.bp)
    for module in (users, audit, oauth, admin_support):  # what the web admin needs
        app.register_blueprint(module.bp)
    app.register_blueprint(web)
    app.register_blueprint(inbox_api.bp)  # the agent workspace's list views
    app.register_blueprint(canned_api.bp)  # the agent workspace: canned responses
    app.register_blueprint(retention_api.bp)  # retention windows and legal holds
    app.register_blueprint(teams_api.bp)  # teams and who sees which site (chinwag.access)
    app.register_blueprint(consent_api.bp)  # a visitor's consent and its history
    app.register_blueprint(privacy.widget_bp)  # the visitor's own: transcript, delete history
    app.register_blueprint(widget_assets_bp)
    app.register_blueprint(profile_api.bp)  # an agent's public name and avatar (the widget)
    app.register_blueprint(saved_views_api.bp)  # an agent's saved inbox views (every device)
    app.register_blueprint(activity_api.bp)  # a conversation's timeline (from the audit log)
    app.register_blueprint(installs_api.bp)  # a site's installation check (admin sites page)


def mount_plugin_routes(app: Flask, chinwag: ChinwagState, record: Any) -> None:
    """Mount one plugin's blueprints (at start-up; ``chinwag.testing`` for plugins it adds)."""
    for provider in record.extensions.get(RoutesProvider.namespace, []):
        bp = chinwag.plugins.call(record, provider.blueprint)
        if bp is None:
            continue
        prefix = provider.url_prefix or f"/api/v1/plugins/{record.name}"
        app.register_blueprint(bp, url_prefix=prefix)
        chinwag.plugin_blueprints[bp.name] = record.name
        record.blueprints.append(bp.name)


def _register_plugin_routes(app: Flask, chinwag: ChinwagState) -> None:
    """Mount every loaded plugin's blueprint; a disabled plugin's routes answer 404 at request time."""
    for record in chinwag.plugins.ordered():
        if record.loaded:
            mount_plugin_routes(app, chinwag, record)

    @app.before_request
    def _plugin_gate() -> None:
        name = chinwag.plugin_blueprints.get(request.blueprint or "")
        if name is None:
            return
        ctx = chinwag.context(chinwag.plugins.records[name])
        if not chinwag.plugins.enabled() or not chinwag.plugins.is_enabled(name):
            # a route that needs a signed-in caller says so first: a stranger learns nothing
            # of which plugins are installed, and a client sees the same 401 either way
            doc = getattr(app.view_functions.get(request.endpoint or ""), "_chinwag_doc", None)
            if doc is not None and doc.roles is not None and ctx.request_actor() is None:
                raise ApiError("unauthorized", "Sign in first.", 401)
            raise ApiError("plugin_disabled", "This feature is turned off on this site.", 404)
        bind_request_context(ctx)
