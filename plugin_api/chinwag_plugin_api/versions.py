"""The plugin API's version and its compatibility promise.

``API_VERSION`` is ``major.minor`` of this distribution's own version (its package metadata is
the one place it is written). Semantic versioning: a minor release only adds (new hooks, new
keyword arguments a hook may take, new context services); what is replaced keeps working and
warns with :class:`ChinwagDeprecationWarning` for at least one minor release, and goes away only
in the next major. The generated reference marks each item "Added in 1.x" and "Deprecated".
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
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

        wrapper.__chinwag_deprecated__ = (since, instead)  # type: ignore[attr-defined]
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
