"""Collecting the widget features plugins declare (``chinwag_plugin_api.widget``) for one site.

The widget receives the result with its boot data, its session and on ``widget.features``; it
never learns which plugin declared what (feature ids are opaque). A declaration is checked here:
its events must be socket events the plugin answers on ``/widget``, preferences may set only the
documented CSS properties, and a plugin whose declaration fails loses its features, not the chat.
When an admin toggles or configures a plugin, :func:`announce` tells every open widget to ask
again (docs/widget-features.md). Per-locale texts (``chinwag_plugin_api.Localized``) are resolved
here for the visitor's locale, so the widget only ever receives plain text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

from chinwag_plugin_api import SocketEvent, SocketHandlers, WidgetFeatures
from chinwag_plugin_api.i18n import Localized, localize
from chinwag_plugin_api.widget import (
    Attachments,
    ComposerAssist,
    Feature,
    HostPageEvents,
    MessageActions,
    PanelTab,
    Preferences,
    ProactiveRules,
    check_preference,
)

from chinwag import consent, mailer
from chinwag import events as ev
from chinwag.extensions import db
from chinwag.models import Site
from chinwag.plugins.host import PluginHost, PluginRecord
from chinwag.state import state

log = logging.getLogger(__name__)
_PATH = re.compile(r"[A-Za-z0-9_.\-/]{1,200}")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")


def revision(host: PluginHost) -> int:
    """The plugin state's revision (it grows with every toggle and settings change)."""
    return max((row.revision for row in host._state.values()), default=0)


def _widget_events(host: PluginHost, record: PluginRecord) -> set[str]:
    names: set[str] = set()
    for provider in record.extensions.get(SocketHandlers.namespace, []):
        specs: list[SocketEvent] = host.call(record, provider.events, default=[]) or []
        for spec in specs:
            if "/widget" in spec.namespaces:
                names.add(spec.name)
    return names


def _events_of(feature: Feature) -> list[str]:
    """Every socket event a feature's data makes the widget send."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("event"), str) and set(value) <= {"event", "payload"}:
                found.append(value["event"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    if isinstance(feature, MessageActions | ComposerAssist | PanelTab):
        found.append(feature.event)
    if isinstance(feature, ProactiveRules):
        found.extend(r.event for r in feature.rules if r.event)
    walk(feature.as_dict())
    return found


def url_rule(pattern: str) -> str:
    """A show/hide pattern as a JavaScript regular expression over ``location.href``.

    ``*`` matches anything; a pattern containing ``://`` is matched against the whole URL,
    any other against the path only (any scheme and host, any query or fragment). Compiled here
    so that the 2 KB loader only runs ``RegExp(p).test(location.href)``."""

    def lit(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_]", lambda m: "\\" + m.group(), text)

    if "://" in pattern:
        return "^" + ".*".join(lit(s) for s in pattern.split("*")) + "$"
    path = "[^?#]*".join(lit(s) for s in pattern.split("*"))
    return "^[^:]+://[^/]+" + path + "(?:[?#].*)?$"


def _check(host: PluginHost, record: PluginRecord, feature: Any) -> dict[str, Any]:
    if not isinstance(feature, Feature) or not feature.kind:
        raise TypeError(f"{feature!r} is not a widget Feature")
    allowed = _widget_events(host, record)
    for name in _events_of(feature):
        if name not in allowed:
            raise ValueError(f"event {name!r} is not one of this plugin's /widget socket events")
    data = feature.as_dict()
    if isinstance(feature, Attachments):
        # the widget sends the visitor's token there: it must stay under the plugin's own routes
        if not _PATH.fullmatch(feature.upload_path) or ".." in feature.upload_path:
            raise ValueError(f"upload_path {feature.upload_path!r} must be a path under its routes")
        data["upload_url"] = f"/api/v1/plugins/{record.name}/{feature.upload_path.lstrip('/')}"
        del data["upload_path"]
    if isinstance(feature, ProactiveRules):
        for rule in data["rules"]:
            chips = rule.get("chips", [])
            if len(chips) > 6 or not all(isinstance(c, str) and 0 < len(c) <= 200 for c in chips):
                raise ValueError(
                    f"rule {rule['id']!r}: chips are at most 6 texts of 1-200 characters"
                )
            if rule.get("url"):
                rule["url"] = url_rule(rule["url"])  # the same patterns as show_on / hide_on
    if isinstance(feature, HostPageEvents):
        if not _PREFIX.fullmatch(feature.prefix):
            raise ValueError(f"prefix {feature.prefix!r}: 1-20 letters, digits and _")
        # the socket events the frame's chunk watches (their names are the protocol's)
        data["watch"] = {
            "track": ev.WIDGET_TRACK,
            "send": ev.MESSAGE_SEND,
            "consent": ev.CONSENT_UPDATE,
        }
    if isinstance(feature, Preferences):
        for pref in data["preferences"]:
            for option in pref["options"]:
                bad = [k for k, v in option["css"].items() if not check_preference(k, v)]
                if bad:
                    raise ValueError(f"preference {pref['id']!r} may not set {bad}")
    return data


def _feature_id(record: PluginRecord, kind: str, n: int) -> str:
    """Stable across requests (the widget keeps a feature's state) and says nothing of its plugin."""
    return hashlib.sha256(f"{record.name}\0{kind}\0{n}".encode()).hexdigest()[:12]


def features_for(
    host: PluginHost, site_id: int | None, locale: str | None = None
) -> dict[str, Any]:
    """``{"revision", "features": [...]}`` for a site's widget, from its enabled plugins, with
    their texts in ``locale`` (a BCP 47 tag; None or ``auto``: each text's default)."""
    out: list[dict[str, Any]] = []
    for record, provider in host.extensions(WidgetFeatures.namespace):
        if site_id is None:
            continue
        declared: Sequence[Feature] = (
            host.call(record, provider.features, state().context(record), site_id, default=[]) or []
        )
        try:
            checked = [_check(host, record, f) for f in declared]
        except (TypeError, ValueError) as exc:
            host._failed(record, f"widget features refused: {exc}")
            continue
        counts: dict[str, int] = {}
        for data in checked:
            n = counts[data["type"]] = counts.get(data["type"], 0) + 1
            out.append({"id": _feature_id(record, data["type"], n), **localize(data, locale)})
    site = db.session.get(Site, site_id) if site_id is not None else None
    if site is not None:
        out += consent.widget_feature(site, mailer.enabled())  # the core's own: the Privacy tab
    return {"revision": revision(host), "features": out}


def proactive_texts(
    host: PluginHost, plugin: str, site_ids: Sequence[int]
) -> list[tuple[int, str, str]]:
    """``(site_id, rule_id, text)`` of every proactive message (and chip) the enabled plugin
    ``plugin`` declares for each of ``site_ids``: what its settings make visitors read."""
    out: list[tuple[int, str, str]] = []
    for record, provider in host.extensions(WidgetFeatures.namespace):
        if record.name != plugin:
            continue
        for site_id in site_ids:
            declared: Sequence[Feature] = (
                host.call(record, provider.features, state().context(record), site_id, default=[])
                or []
            )
            for feature in declared:
                if not isinstance(feature, ProactiveRules):
                    continue
                for rule in feature.rules:
                    chips = getattr(rule, "chips", ())
                    texts = [
                        text
                        for t in (rule.message, *(c for c in chips if isinstance(c, str)))
                        for text in (t.texts() if isinstance(t, Localized) else [t])
                    ]
                    out += [(site_id, rule.id, t) for t in texts if t.strip()]
    return out


def announce() -> None:
    """Tell every open widget (all processes, through the message queue) to re-read its features."""
    chinwag = state()
    if chinwag.socketio is None or chinwag.socketio.server is None:  # a CLI process
        return
    body = {"revision": revision(chinwag.plugins)}
    try:
        chinwag.socketio.server.emit(ev.FEATURES_CHANGED, body, namespace=ev.WIDGET)
    except Exception as exc:  # the toggle has committed; widgets re-check on reconnect
        log.warning("could not announce widget features: %r", exc)
