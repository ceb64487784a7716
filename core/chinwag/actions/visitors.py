"""A visitor's way in: the widget session (find or create the visitor, issue a token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chinwag_plugin_api.events import VisitorTracked, VisitorUpdated, WidgetLoaded

from chinwag import consent
from chinwag.actions.base import Actor, emit
from chinwag.extensions import db
from chinwag.models import Site, Visitor
from chinwag.visitors import start_session


def start_widget_session(site: Site, body: dict[str, Any]) -> tuple[Visitor, str, datetime]:
    """Find or create the session's visitor, record what the widget told (page, consent, ...),
    issue a fresh token; ``visitor.updated`` follows the commit."""
    # the consent history too: the first form grants the purposes the visitor ticked (all the
    # site asks for from a widget with one box), checked before anything is stored
    # (docs/privacy.md, "Consent"; each one is withdrawn on its own later)
    chosen = (
        consent.first_form(site.widget_settings, body.get("consent_purposes"))
        if body.get("consent_version")
        else None
    )
    visitor, token, expires = start_session(site, body)
    if chosen is not None:
        consent.record(visitor, chosen, "widget", body["consent_version"])
        db.session.commit()
    emit(VisitorUpdated(visitor.site_id, visitor.id))
    return visitor, token, expires


def track_widget(actor: Actor, action: str, properties: dict[str, Any]) -> None:
    """Something the visitor did in the widget (for analytics; nothing is stored). ``loaded``
    (sent by frames built before the server counted loads) is accepted and dropped: the server
    counts every load when it serves the chat (:func:`widget_loaded`), once."""
    if action == "loaded":
        return
    emit(VisitorTracked(actor.site_id, int(actor.id), action, dict(properties)))


def widget_loaded(site_id: int, mode: str, consent_required: bool) -> None:
    """The chat was served to a page (``frame`` or ``page``): one ``widget.loaded`` of no
    visitor, so loads of visitors who never open the chat count too. Nothing is stored and no
    cookie set; third-party sinks get it only where the site does not require consent."""
    emit(WidgetLoaded(site_id, mode, shareable=not consent_required))
