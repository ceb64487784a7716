"""Socket.IO events contributed by plugins: validated, authenticated and gated on enablement;
and ``widget.features``, by which an open widget re-reads the features its site's plugins declare."""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api import SocketHandlers
from chinwag_plugin_api.i18n import localize
from flask import Flask
from flask_socketio import SocketIO
from marshmallow import RAISE, Schema, fields, validate

from chinwag import events as ev
from chinwag.api.widget_session import visitor_locale
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import Site, Visitor
from chinwag.realtime import agent, widget
from chinwag.realtime.common import event_handler, ok, on_event
from chinwag.state import state
from chinwag.widget_features import features_for, revision


class FeaturesIn(Schema):
    """``widget.features``: the revision the widget was told about (``widget.features_changed``)
    and the locale it now reads in (``Chinwag('setLocale', ...)``: stored as the visitor's, so
    the answer's texts, later plugin events and ``VisitorRef.locale`` follow it at once)."""

    class Meta:
        unknown = RAISE

    revision = fields.Integer(load_default=0)
    locale = fields.String(
        load_default=None,
        allow_none=True,
        # checked as the session's own ``locale`` (a tag the session took is taken here too)
        validate=validate.Length(min=1, max=35),
    )


def register_plugin_events(app: Flask, socketio: SocketIO) -> None:
    host = state(app).plugins
    _register_features(socketio)
    for record in host.ordered():
        if record.loaded:
            register_record_events(socketio, host, record)


def register_record_events(socketio: SocketIO, host: Any, record: Any) -> None:
    """Register one plugin's socket events (at start-up; ``chinwag.testing`` for added ones)."""
    for provider in record.extensions.get(SocketHandlers.namespace, []):
        for spec in host.call(record, provider.events, default=[]) or []:
            if "." not in spec.name or spec.name.split(".")[0] in {
                "message",
                "conversation",
                "typing",
                "inbox",
                "widget",
            }:
                record.load_errors.append(f"socket event {spec.name!r} must be '<plugin>.<action>'")
                continue
            for ns in spec.namespaces:
                mod = widget if ns == widget.NS else agent
                _register(socketio, record, spec, ns, mod)


def _register(socketio: SocketIO, record: Any, spec: Any, ns: str, mod: Any) -> None:
    @event_handler(spec.schema, mod._session)
    def handle(data: dict[str, Any]) -> dict[str, Any]:
        chinwag = state()
        host = chinwag.plugins
        host.refresh_state()
        if not host.is_enabled(record.name):
            raise ApiError("plugin_disabled", f"{record.name} is disabled.", 404)
        actor = mod._actor()
        result = spec.handler(
            chinwag.context(record),
            data,
            {"kind": actor.kind, "id": actor.id, "site_id": actor.site_id},
        )
        if ns == widget.NS:  # components in the answer read in the visitor's language
            result = localize(dict(result or {}), _visitor_locale())
        return ok(**dict(result or {}))

    on_event(socketio, spec.name, ns)(handle)


def _visitor_locale() -> str | None:
    """The locale of the visitor on this ``/widget`` socket (as their last session reported)."""
    actor = widget._actor()
    site = db.session.get(Site, actor.site_id)
    if site is None:
        return None
    visitor = db.session.get(Visitor, actor.id)
    return visitor_locale(site, visitor.locale if visitor is not None else None)


def _set_locale(visitor_id: int, locale: str) -> None:
    """Store the locale the visitor's widget switched to (a write only when it changed)."""
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is not None and visitor.locale != locale:
        visitor.locale = locale
        db.session.commit()


def _register_features(socketio: SocketIO) -> None:
    @event_handler(FeaturesIn, widget._session)
    def features(data: dict[str, Any]) -> dict[str, Any]:
        host = state().plugins
        host.refresh_state()
        if revision(host) < data["revision"]:
            host.refresh_state(force=True)  # this process has not seen the change yet
        if data["locale"]:
            _set_locale(int(widget._actor().id), data["locale"])
        return ok(features=features_for(host, widget._actor().site_id, _visitor_locale()))

    on_event(socketio, ev.WIDGET_FEATURES, widget.NS)(features)
