"""The public API of Chinwag plugins.

A plugin imports this package and nothing private of the core. Every extension point is an
abstract base class declared in :mod:`chinwag_plugin_api.points`; a plugin registers a class
under the entry-point namespace named by the class's ``namespace`` attribute.
"""

from chinwag_plugin_api.context import (
    ActorRef,
    AnalyticsEvent,
    ConversationView,
    MessageDraft,
    MessageView,
    PluginContext,
    Reply,
    VisitorRef,
)
from chinwag_plugin_api.errors import PluginError, Refused, StorageError
from chinwag_plugin_api.info import PluginInfo, secret_field
from chinwag_plugin_api.models import Model
from chinwag_plugin_api.points import (
    EXTENSION_POINTS,
    AdminPage,
    AnalyticsSink,
    BlockType,
    InboundProcessor,
    OutboundProcessor,
    PrivacyHandler,
    Responder,
    RoutesProvider,
    ScheduledJob,
    SocketEvent,
    SocketHandlers,
    StorageDriver,
)
from chinwag_plugin_api.routes import (
    StrictSchema,
    current_actor,
    current_context,
    endpoint,
    require_role,
)
from chinwag_plugin_api.versions import (
    API_VERSION,
    ChinwagDeprecationWarning,
    added,
    deprecated,
)

__all__ = [
    "API_VERSION",
    "EXTENSION_POINTS",
    "ActorRef",
    "AdminPage",
    "AnalyticsEvent",
    "AnalyticsSink",
    "BlockType",
    "ChinwagDeprecationWarning",
    "ConversationView",
    "InboundProcessor",
    "MessageDraft",
    "MessageView",
    "Model",
    "OutboundProcessor",
    "PluginContext",
    "PluginError",
    "PluginInfo",
    "PrivacyHandler",
    "Refused",
    "Reply",
    "Responder",
    "RoutesProvider",
    "ScheduledJob",
    "SocketEvent",
    "SocketHandlers",
    "StorageDriver",
    "StorageError",
    "StrictSchema",
    "VisitorRef",
    "added",
    "current_actor",
    "current_context",
    "deprecated",
    "endpoint",
    "require_role",
    "secret_field",
]
