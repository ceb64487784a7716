"""One decorator ties a route to its schemas: it validates input, serialises output and
records both for the OpenAPI document, so a payload is described exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chinwag_plugin_api import endpoint as shared_endpoint
from flask import Blueprint, g, request

from chinwag.errors import ApiError
from chinwag.security import user_from_token

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def authenticate(roles: Sequence[str]) -> None:
    """Set ``g.user`` from the bearer token or raise 401/403."""
    user = user_from_token(bearer_token())
    if roles and user.role not in roles:
        raise ApiError("forbidden", "Your role does not allow this.", 403)
    g.user = user


def endpoint(bp: Blueprint, rule: str, **options: Any) -> Callable[[F], F]:
    """Register a JSON route (``chinwag_plugin_api.endpoint``: the one implementation, which
    plugins use too), authenticating agents by their bearer token.

    The view receives ``body=`` and/or ``query=`` as loaded dicts and returns a model or dict
    (dumped with ``response``), or a ``(value, status)`` tuple. ``roles=None`` means public.
    """
    return shared_endpoint(bp, rule, authorize=authenticate, **options)
