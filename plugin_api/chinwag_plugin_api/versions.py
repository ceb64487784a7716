"""The plugin API's version and its compatibility promise.

``API_VERSION`` is ``major.minor`` of this distribution's own version (its package metadata is
the one place it is written). Semantic versioning: a minor release only adds (new hooks, new
keyword arguments a hook may take, new context services); what is replaced keeps working and
warns with :class:`ChinwagDeprecationWarning` for at least one minor release, and goes away only
in the next major. The generated reference marks each item "Added in 1.x" and "Deprecated", and
lists every deprecation below with the version that removes it.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _api_version() -> str:
    try:
        full = metadata.version("chinwag-plugin-api")
    except metadata.PackageNotFoundError:  # pragma: no cover - imported from an unpacked source
        return "0.0"
    major, minor = [*full.split("."), "0"][:2]
    return f"{major}.{minor}"


#: ``major.minor`` of the installed ``chinwag-plugin-api``
API_VERSION = _api_version()


class ChinwagDeprecationWarning(DeprecationWarning):
    """Something a plugin uses is deprecated: it still works in this major version."""


@dataclass(frozen=True)
class Deprecation:
    """Something deprecated: ``what`` still works (and warns) until ``removed_in``."""

    what: str
    since: str
    instead: str

    @property
    def removed_in(self) -> str:
        return f"{int(self.since.split('.')[0]) + 1}.0"

    def warn(self, stacklevel: int = 3) -> None:
        """Warn the caller ``stacklevel`` frames up that ``what`` is deprecated."""
        warn_deprecated(self.what, self.since, self.instead, stacklevel + 1)


#: the 1.0 spelling of :func:`~chinwag_plugin_api.current_context` in a plugin's route (the core
#: keeps it working)
G_CHINWAG_PLUGIN = Deprecation(
    "flask.g.chinwag_plugin", "1.1", "chinwag_plugin_api.current_context()"
)
#: deprecations that are not callables of this package (those carry their own mark: :func:`deprecated`)
DEPRECATED_NAMES: tuple[Deprecation, ...] = (G_CHINWAG_PLUGIN,)


def added(version: str) -> Callable[[F], F]:
    """Mark an API item with the version that added it (shown in the reference)."""

    def mark(obj: F) -> F:
        obj.__chinwag_added__ = version  # type: ignore[attr-defined]
        return obj

    return mark


def deprecated(since: str, instead: str) -> Callable[[F], F]:
    """Mark a callable deprecated since ``since``: each call warns, naming ``instead``."""

    def mark(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warn_deprecated(fn.__qualname__, since, instead)
            return fn(*args, **kwargs)

        wrapper.__chinwag_deprecated__ = Deprecation(  # type: ignore[attr-defined]
            fn.__qualname__, since, instead
        )
        return wrapper  # type: ignore[return-value]

    return mark


def warn_deprecated(what: str, since: str, instead: str, stacklevel: int = 3) -> None:
    """Warn that ``what`` is deprecated since ``since``; use ``instead``."""
    major = since.split(".")[0]
    warnings.warn(
        f"{what} is deprecated since chinwag-plugin-api {since} and goes away in "
        f"{int(major) + 1}.0; use {instead}",
        ChinwagDeprecationWarning,
        stacklevel=stacklevel,
    )
