"""Open widgets learn at once when their site's availability changes.

A widget session starts with the site's availability ("Typically replies in a few minutes" or
"We're away — leave a message", :func:`chinwag.availability.site_available`); when an agent
comes online or the last online one goes away or offline, every ``/widget`` socket of the
sites that agent sees (the room :func:`chinwag.rooms.widget_site_room`, joined on connect) gets
``site.availability {availability}``, ``online`` or ``away``, and the widget redraws its banner
(announced politely). A deferred subscriber of ``agent.availability_changed``, so an agent's
socket never waits for it; the event is published once across processes and the emit reaches
the sockets of every process through the message queue. A change between ``away`` and
``offline`` changes no site and sends nothing.
"""

from __future__ import annotations

from chinwag_plugin_api.events import AgentAvailabilityChanged, Event
from sqlalchemy import select

from chinwag import access, availability
from chinwag import events as ev
from chinwag.bus import EventBus
from chinwag.extensions import db
from chinwag.models import Site, User
from chinwag.rooms import emit, widget_site_room


def _sites_seen_by(user_id: int) -> list[int]:
    """The sites whose visitors the agent answers (every site for an admin)."""
    user = db.session.get(User, user_id)
    if user is None:
        return []
    scope = access.compute_scope(user)
    if scope is None:
        return list(db.session.execute(select(Site.id)).scalars())
    return sorted(scope)


def fan_out(event: Event) -> None:
    """Tell the open widgets of the agent's sites whether someone answers now."""
    if not isinstance(event, AgentAvailabilityChanged):
        return
    if "online" not in (event.status, event.previous):
        return
    site_ids = _sites_seen_by(event.user_id)
    if not site_ids:
        return
    online = availability.available_sites(site_ids)
    for site_id in site_ids:
        body = {"availability": "online" if site_id in online else "away"}
        emit(ev.AVAILABILITY_UPDATE, body, widget_site_room(site_id), ev.WIDGET)


def subscribe(bus: EventBus) -> None:
    bus.subscribe(
        fan_out,
        names=(AgentAvailabilityChanged.name,),
        deferred=True,
        label="site availability to widgets",
    )
