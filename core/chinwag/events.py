"""Event names of the real-time protocol, read from ``events.json`` (shared with the widget build).

Client-to-server names are in :data:`CLIENT`, server-to-client names in :data:`SERVER`; the
module attributes (``ev.MESSAGE_NEW`` ...) exist for both.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

_DATA: dict[str, Any] = json.loads(resources.files("chinwag").joinpath("events.json").read_text())
CLIENT: dict[str, str] = _DATA["client"]
SERVER: dict[str, str] = _DATA["server"]
NAMESPACES: dict[str, str] = _DATA["namespaces"]

MESSAGE_SEND = CLIENT["MESSAGE_SEND"]
CONVERSATION_SYNC = CLIENT["CONVERSATION_SYNC"]
CONVERSATION_LIST = CLIENT["CONVERSATION_LIST"]
TYPING_SET = CLIENT["TYPING_SET"]
CONVERSATION_READ_SET = CLIENT["CONVERSATION_READ_SET"]
CONVERSATION_ASSIGN = CLIENT["CONVERSATION_ASSIGN"]
CONVERSATION_CLOSE = CLIENT["CONVERSATION_CLOSE"]
CONVERSATION_REOPEN = CLIENT["CONVERSATION_REOPEN"]
INBOX_SYNC = CLIENT["INBOX_SYNC"]
WIDGET_TRACK = CLIENT["WIDGET_TRACK"]

MESSAGE_NEW = SERVER["MESSAGE_NEW"]
TYPING_UPDATE = SERVER["TYPING_UPDATE"]
CONVERSATION_READ = SERVER["CONVERSATION_READ"]
CONVERSATION_UPDATE = SERVER["CONVERSATION_UPDATE"]
INBOX_EVENT = SERVER["INBOX_EVENT"]
SESSION_REVOKED = SERVER["SESSION_REVOKED"]
PLUGIN_EVENT = SERVER["PLUGIN_EVENT"]

WIDGET = NAMESPACES["WIDGET"]
AGENT = NAMESPACES["AGENT"]
