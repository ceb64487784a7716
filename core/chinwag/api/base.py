"""One decorator ties a route to its schemas: it validates input, serialises output and
records both for the OpenAPI document, so a payload is described exactly once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import BadRequest

from chinwag.errors import ApiError, ClientTimeout, body_timed_out, validation_error
from chinwag.jsonsafe import load_body
from chinwag.security import user_from_token

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RouteDoc:
    """What the OpenAPI generator needs to know about one route."""

    summary: str
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    many: bool
    status: int
    roles: Sequence[str] | None
    tag: str


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


def endpoint(
    bp: Blueprint,
    rule: str,
    *,
    methods: Sequence[str] = ("GET",),
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    roles: Sequence[str] | None = ("admin",),
    summary: str = "",
) -> Callable[[F], F]:
    """Register a JSON route.

    The view receives ``body=`` and/or ``query=`` as loaded dicts and returns a model or dict
    (dumped with ``response``), or a ``(value, status)`` tuple. ``roles=None`` means public.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            if roles is not None:
                authenticate(roles)
            try:
                if body is not None:
                    payload = json_body()
                    if not isinstance(payload, dict):
                        raise ApiError("invalid_json", "The body must be a JSON object.", 400)
                    kwargs["body"] = body().load(payload)
                if query is not None:
                    kwargs["query"] = query().load(request.args.to_dict())
            except ValidationError as err:
                raise validation_error(err) from None
            result = fn(**kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            if code == 204:
                return "", 204
            if response is not None:
                result = response(many=many).dump(result)
            return jsonify(result), code

        view._chinwag_doc = RouteDoc(  # type: ignore[attr-defined]
            summary or (fn.__doc__ or "").strip().split("\n")[0],
            body,
            query,
            response,
            many,
            status,
            roles,
            bp.name,
        )
        bp.add_url_rule(rule, fn.__name__, view, methods=list(methods))
        return fn

    return decorate
