"""The media storage driver's extension point (``chinwag.storage``).

Kept apart from :mod:`chinwag_plugin_api.points` (which re-exports it) because
:meth:`~chinwag_plugin_api.PluginContext.storage` returns it: a driver needs nothing of the
context, so the context can name it without importing the module of every extension point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import IO, Any, ClassVar


class StorageDriver(ABC):
    """Where media bytes live. One driver is active per deployment (``CHINWAG_STORAGE``).

    Unlike hooks, a driver's errors propagate: raise :class:`~chinwag_plugin_api.StorageError`.
    """

    namespace: ClassVar[str] = "chinwag.storage"

    @abstractmethod
    def configure(self, options: Mapping[str, Any]) -> None:
        """Receive the deployment's storage options (``CHINWAG_STORAGE_*`` variables, lower-cased)."""

    @abstractmethod
    def save(self, key: str, stream: IO[bytes], content_type: str) -> int:
        """Store the stream under ``key``; return the number of bytes stored."""

    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """Open the object for reading."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether the object exists."""

    def signed_url(self, key: str, expires_in: int, filename: str, inline: bool) -> str | None:
        """Return a short-lived URL that serves the object directly, or None to serve through Chinwag."""
        return None
