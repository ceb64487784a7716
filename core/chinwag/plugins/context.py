"""The core's implementation of :class:`chinwag_plugin_api.PluginContext`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api import MessageView, PluginContext, StorageDriver
from sqlalchemy.orm import Session

from chinwag.plugins.host import PluginRecord


class CorePluginContext(PluginContext):
    """Binds one plugin to the running app's services."""

    def __init__(self, record: PluginRecord) -> None:
        self.record = record
        self.plugin_name = record.name
        self.logger = logging.getLogger(f"chinwag.plugin.{record.name}")

    @property
    def settings(self) -> Mapping[str, Any]:
        from chinwag.app import state

        return state().plugins.settings(self.record.name)

    @property
    def db_session(self) -> Session:
        from chinwag.extensions import db

        return db.session  # type: ignore[return-value]

    def storage(self) -> StorageDriver:
        from chinwag.app import state

        return state().storage

    def site_settings(self, site_id: int) -> Mapping[str, Any]:
        from chinwag.extensions import db
        from chinwag.models import Site

        site = db.session.get(Site, site_id)
        return dict(site.widget_settings or {}) if site else {}

    def post_message(
        self, conversation_id: int, text: str = "", blocks: tuple[Mapping[str, Any], ...] = ()
    ) -> MessageView:
        from chinwag.actions import Actor, message_view, send_message

        actor = Actor("bot", self.record.name, None, self.record.info.display_name)
        result = send_message(actor, conversation_id, None, text, [dict(b) for b in blocks])
        return message_view(result.message)

    def emit(self, conversation_id: int, event: str, payload: Mapping[str, Any]) -> None:
        from chinwag import events as ev
        from chinwag.actions import agents_room, publish, visitor_room
        from chinwag.extensions import db
        from chinwag.models import Conversation

        body = {
            "plugin": self.record.name,
            "event": event,
            "conversation_id": conversation_id,
            "payload": dict(payload),
        }
        conv = db.session.get(Conversation, conversation_id)
        if conv is not None:
            publish(ev.PLUGIN_EVENT, body, visitor_room(conv.visitor_id), ev.WIDGET)
        publish(ev.PLUGIN_EVENT, body, agents_room(), ev.AGENT)


def context_for(record: PluginRecord) -> CorePluginContext:
    return CorePluginContext(record)
