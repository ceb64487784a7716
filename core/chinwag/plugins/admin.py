"""Changing plugin state: shared by the REST API, the CLI and the web admin.

These are the plugin actions: each commits, then emits ``plugin.changed`` on the app's bus (the
real-time layer tells open widgets to re-read their features when it hears it).
"""

from __future__ import annotations

from typing import Any

from chinwag_plugin_api.events import PluginChanged
from sqlalchemy import func, select

from chinwag import audit
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import PluginState, User, utcnow
from chinwag.plugins.host import PluginHost, PluginRecord
from chinwag.state import state


def _record(host: PluginHost, name: str) -> PluginRecord:
    record = host.records.get(name)
    if record is None:
        raise ApiError("plugin_not_found", f"No plugin named {name!r} is loaded.", 404)
    return record


def _row(name: str, default_enabled: bool) -> PluginState:
    row = db.session.get(PluginState, name)
    if row is None:
        row = PluginState(name=name, enabled=default_enabled, settings={}, revision=0)
        db.session.add(row)
    return row


def _next_revision() -> int:
    current = db.session.execute(select(func.max(PluginState.revision))).scalar()
    return int(current or 0) + 1


def set_enabled(host: PluginHost, name: str, enabled: bool, actor: User | None) -> None:
    """Enable or disable a plugin in every process (they re-read state within a second)."""
    record = _record(host, name)
    if not record.loaded:
        raise ApiError(
            "plugin_not_loaded", f"{name} is not loaded: {'; '.join(record.load_errors)}", 409
        )
    if record.essential and not enabled:
        raise ApiError("plugin_essential", f"{name} is essential and cannot be disabled.", 409)
    missing = [r for r in record.info.requires if enabled and not host.is_enabled(r)]
    if missing:
        raise ApiError("plugin_requires", f"{name} needs {', '.join(missing)} enabled first.", 409)
    row = _row(name, record.info.enabled_by_default)
    row.enabled = enabled
    row.revision = _next_revision()
    row.updated_at = utcnow()
    audit.record(actor, "plugin.enable" if enabled else "plugin.disable", "plugin", name)
    db.session.commit()
    host.refresh_state(force=True)
    _changed(name, "enabled" if enabled else "disabled", actor)


def configure(host: PluginHost, name: str, changes: dict[str, Any], actor: User | None) -> None:
    """Validate and store settings; secrets are audited by name only."""
    record = _record(host, name)
    codec = host.codecs[name]
    stored = host.stored_settings(name)
    new = codec.merge(stored, changes)
    row = _row(name, record.info.enabled_by_default)
    row.settings = new
    row.revision = _next_revision()
    row.updated_at = utcnow()
    audit.record(actor, "plugin.configure", "plugin", name, keys=sorted(changes))
    db.session.commit()
    host.refresh_state(force=True)
    _changed(name, "configured", actor)


def _changed(name: str, action: str, actor: User | None) -> None:
    by = None if actor is None else f"agent:{actor.id}"
    state().bus.publish(PluginChanged(None, plugin=name, action=action, by=by))
