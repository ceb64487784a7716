"""One decorator ties a route to its schemas: it validates input, serialises output and
records both for the OpenAPI document, so a payload is described exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from chinwag_plugin_api import endpoint as shared_endpoint
from chinwag_plugin_api import route_errors
from flask import Blueprint, g, request
from werkzeug.exceptions import BadRequest

from chinwag.errors import STATUS, ApiError, ClientTimeout, body_timed_out
from chinwag.jsonsafe import load_body
from chinwag.security import user_from_token

F = TypeVar("F", bound=Callable[..., Any])

#: what :func:`authenticate` answers: no token, a bad one, an expired or revoked one
AUTH_ERRORS = {
    code: STATUS[code]
    for code in ("auth_required", "token_invalid", "token_expired", "token_revoked")
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def json_body() -> Any:
    """The request's JSON body (None if it is not JSON), checked by ``jsonsafe``: too deep or
    not valid Unicode is a 400 with its own code, a body cut off by the deadline a 408."""
    if not request.is_json:
        return None
    try:
        raw = request.get_data(cache=True)
    except BadRequest:  # werkzeug's "client disconnected"
        raw = b""
    if body_timed_out(request.environ):
        raise ClientTimeout("the body did not arrive in time")
    if not raw:
        return None
    return load_body(raw)


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

    ``errors=`` names the codes the view (and the actions it calls) answer with, each with its
    status in ``chinwag.errors.STATUS``; the token check's codes are added here (the body
    reader's, shared by every route, by ``chinwag.api.openapi``), so the OpenAPI document lists
    every code of the operation (one declaration drives the document and the contract test).
    """
    named = options.pop("errors", ())
    errors = route_errors({code: STATUS[code] for code in named} if named else {})
    roles = options.get("roles", ("admin",))
    if roles is not None:
        errors = {**AUTH_ERRORS, **({"forbidden": 403} if roles else {}), **errors}
    return shared_endpoint(
        bp, rule, authorize=authenticate, read_body=json_body, errors=errors, **options
    )
