"""Errors a plugin may raise on purpose; anything else it raises is a failure the host isolates."""

from typing import Any


class PluginError(Exception):
    """Base class of the errors a plugin raises deliberately, with a stable machine code."""

    code = "plugin_error"
    status = 400

    def __init__(
        self,
        message: str,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: JSON-serialisable detail for the client (e.g. errors per field); added in 1.1
        self.details = details
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class Refused(PluginError):
    """Raised by a message processor to refuse a message; the sender sees ``code`` and ``message``."""

    code = "message_refused"
    status = 422


class StorageError(PluginError):
    """Raised by a storage driver; unlike hook failures it propagates to the caller as an API error."""

    code = "storage_error"
    status = 502
