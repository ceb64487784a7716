"""Actions: the one way to change Chinwag's state.

Each action validates, changes the database in one short transaction and, after the commit,
hands typed events (:mod:`chinwag_plugin_api.events`) to the app's bus. The Socket.IO handlers, the
REST API, the CLI, ``chinwag.testing``, the web admin and plugins (through their context) all call
these functions; none of them writes conversation, message, site or plugin state on its own.

- :mod:`.base`: who acts, the write transaction, access checks, :func:`emit`
- :mod:`.views`: what clients and plugins are shown of a row
- :mod:`.messages`: the send pipeline
- :mod:`.conversations`: status, assignment, hand-off, reading, typing
- :mod:`.subscribers`: responders, analytics sinks and plugin listeners (deferred)
- :mod:`.sites`, :mod:`.visitors`, :mod:`.privacy`: sites, widget sessions, privacy requests
- :mod:`.users`: admins and agents (create, invite, change, disable, sign out everywhere)
  (plugin toggles and settings: :mod:`chinwag.plugins.admin`, which emits ``plugin.changed``)
"""

from chinwag.actions.base import (
    Actor,
    actor_of,
    conversation_for,
    emit,
    now,
    stored_now,
    write_transaction,
)
from chinwag.actions.conversations import (
    assign,
    hand_off,
    inbox_since,
    mark_read,
    set_status,
    set_typing,
    visitor_conversations,
)
from chinwag.actions.messages import SendResult, messages_after, send_message
from chinwag.actions.privacy import erase_visitor, export_visitor, get_visitor
from chinwag.actions.sites import (
    create_site,
    delete_site,
    get_site,
    rotate_identity_secret,
    rotate_site_key,
    update_site,
)
from chinwag.actions.users import create_user, get_user, update_user
from chinwag.actions.views import (
    conversation_dict,
    conversation_view,
    inbox_dict,
    message_dict,
    message_view,
    stored_message,
    visitor_ref,
)
from chinwag.actions.visitors import start_widget_session, track_widget

__all__ = [
    "Actor",
    "SendResult",
    "actor_of",
    "assign",
    "conversation_dict",
    "conversation_for",
    "conversation_view",
    "create_site",
    "create_user",
    "delete_site",
    "emit",
    "erase_visitor",
    "export_visitor",
    "get_site",
    "get_user",
    "get_visitor",
    "hand_off",
    "inbox_dict",
    "inbox_since",
    "mark_read",
    "message_dict",
    "message_view",
    "messages_after",
    "now",
    "rotate_identity_secret",
    "rotate_site_key",
    "send_message",
    "set_status",
    "set_typing",
    "start_widget_session",
    "stored_message",
    "stored_now",
    "track_widget",
    "update_site",
    "update_user",
    "visitor_conversations",
    "visitor_ref",
    "write_transaction",
]
