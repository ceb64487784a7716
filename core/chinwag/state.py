"""Everything one Chinwag app owns, in one object: ``app.extensions["chinwag"]``.

Nothing of an app lives in a module global, so two apps in one process (tests, a CLI command
beside a server) share no Socket.IO server, room, rate limit, SQLite writer or event bus. This
module sits low in the core (it imports no transport and no action), so any floor can reach the
running app's state with :func:`state` without importing the factory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chinwag_plugin_api import BlockType, PluginContext, StorageDriver
from flask import Flask, current_app
from marshmallow import Schema

from chinwag.bus import EventBus
from chinwag.group_commit import GroupCommit
from chinwag.jobs import JobQueue
from chinwag.ratelimit import RateLimiter

if TYPE_CHECKING:  # for annotations only: the plugins package (its context) sits above this
    from flask_socketio import SocketIO

    from chinwag.plugins.host import PluginHost, PluginRecord

#: conversation id -> (visitor id, site id): facts that never change; bounded, cleared when full
OWNER_CACHE_LIMIT = 100_000


@dataclass(eq=False)
class ChinwagState:
    """Per-app state (see the module)."""

    plugins: PluginHost
    storage: StorageDriver
    #: builds the context a plugin's hook receives (set by the factory: the context implementation
    #: sits above the actions, which call hooks through this)
    context_factory: Callable[[PluginRecord], PluginContext]
    bus: EventBus = field(default_factory=EventBus)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    #: one SQLite writer at a time per app; no green-thread switch happens while it is held
    sqlite_writer: threading.Lock = field(default_factory=threading.Lock)
    group_commit: GroupCommit = field(init=False)
    #: this app's Socket.IO server (set by :func:`chinwag.realtime.init_realtime`)
    socketio: SocketIO | None = None
    #: who is behind each socket of this process (:class:`chinwag.realtime.sessions.SocketSession`)
    sockets: dict[str, Any] = field(default_factory=dict)
    #: whether the background sweep re-checks visitor tokens (the per-event check can then wait)
    visitor_sweep: bool = False
    owners: dict[int, tuple[int, int]] = field(default_factory=dict)
    plugin_blueprints: dict[str, str] = field(default_factory=dict)
    #: whatever else a part of the core keeps per app (e.g. the OpenID Connect client)
    extras: dict[str, Any] = field(default_factory=dict)
    #: the background job queue (chinwag.jobs, docs/jobs.md; set by the factory)
    jobs: JobQueue = field(init=False)

    def __post_init__(self) -> None:
        self.group_commit = GroupCommit(self.sqlite_writer)

    def context(self, record: PluginRecord) -> PluginContext:
        """The context handed to ``record``'s hooks."""
        return self.context_factory(record)

    def block_types(self) -> dict[str, type[Schema]]:
        """Block schemas of every enabled plugin, the core's included."""
        return {ext.name: ext.schema for _r, ext in self.plugins.extensions(BlockType.namespace)}

    def server(self) -> SocketIO:
        if self.socketio is None:
            raise RuntimeError("real-time is not initialised for this app")
        return self.socketio


def state(app: Flask | None = None) -> ChinwagState:
    """The state of ``app``, or of the app whose context is active."""
    return (app or current_app).extensions["chinwag"]  # type: ignore[no-any-return]
