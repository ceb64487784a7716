"""HTTP routes of a plugin that behave like the core's: validated input, serialised output, the
same JSON errors, the same roles, and a place in the OpenAPI document (``/api/v1/openapi.json``).

Inside a view, :func:`current_context` is the plugin's :class:`~chinwag_plugin_api.PluginContext`.

Errors a plugin route answers with (``{"error": {"code", "message", "details"?}}``):

| code | status | when |
|---|---|---|
| `invalid_json` | 400 | `body=` is declared and the body is not a JSON object |
| `validation_error` | 400 | the body or query does not match its schema (`details` per field) |
| `unauthorized` | 401 | a role is required and nobody valid is signed in |
| `forbidden` | 403 | the caller's role is not among `roles` |
| `not_found` | 404 | the plugin is disabled (checked on every request), or no such route |
| `rate_limited` | 429 | past a :func:`rate_limit` (`retry_after_ms` in the body, `Retry-After` header) |
| your code | yours | the view raised `PluginError(message, code, status, details)` |
| `internal_error` | 500 | the view raised anything else (logged; no traceback is shown) |

The OpenAPI document lists, per operation, the codes it can answer with: the ones above that
the route's own declaration implies (a body, a query, roles, a rate limit) and the ones the view
declares with ``endpoint(..., errors=...)`` (added in 1.6): the names of :data:`COMMON_ERRORS`
or a mapping of your own codes to their status, e.g. ``errors={"not_found": 404,
"article_locked": 409}``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields

from chinwag_plugin_api.errors import PluginError
from chinwag_plugin_api.versions import added

if TYPE_CHECKING:
    from chinwag_plugin_api.context import ActorRef, PluginContext

F = TypeVar("F", bound=Callable[..., Any])

#: codes a view may name in ``endpoint(errors=...)`` without their status (added in 1.6)
COMMON_ERRORS: dict[str, int] = {
    "validation_error": 400,
    "invalid_json": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "rate_limited": 429,
}

#: what ``errors=`` takes: names of :data:`COMMON_ERRORS`, or codes mapped to their status
Errors = Sequence[str] | Mapping[str, int]

#: who may call a route: a ``visitor`` of the widget, an ``agent`` (admins are agents too), or
#: an ``admin`` only
ROLES = ("visitor", "agent", "admin")


class StrictSchema(Schema):
    """The base of every payload schema: unknown fields are rejected, as in the core's API."""

    class Meta:
        unknown = RAISE


@added("1.2")
class UtcDateTime(fields.DateTime):
    """A timestamp field that always writes RFC 3339 UTC with its offset (``...+00:00``), as
    the OpenAPI document's ``date-time`` says: SQLite returns naive datetimes (stored in UTC),
    which plain ``fields.DateTime`` would write without an offset."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime):
            utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            value = utc
        return super()._serialize(value, attr, obj, **kwargs)


@dataclass(frozen=True)
class RouteDoc:
    """What the core's OpenAPI generator reads from a route (the same fields as the core's)."""

    summary: str
    body: type[Schema] | None
    query: type[Schema] | None
    response: type[Schema] | None
    many: bool
    status: int
    roles: Sequence[str] | None
    tag: str
    #: the route's :func:`rate_limit`, if any (the OpenAPI document lists its 429); added in 1.3
    rate_limit: RateLimit | None = None
    #: the media type of ``body`` in the document: ``multipart/form-data`` for ``form=True``
    #: routes; added in 1.3
    body_media_type: str = "application/json"
    #: every error code the route can answer with, and its status (its declaration's and the
    #: view's ``errors=``); added in 1.6
    errors: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RateLimit:
    """A route's :func:`rate_limit`: ``per_minute`` calls per ``key`` under ``name``."""

    name: str
    per_minute: int
    key: str


@added("1.1")
def current_context() -> PluginContext:
    """The context of the plugin whose HTTP route is running.

    Raises ``RuntimeError`` outside a plugin's request (hooks and socket event handlers receive
    their context as ``ctx``).
    """
    ctx = g.get("chinwag_plugin_context") if _has_app_context() else None
    if ctx is None:
        raise RuntimeError("current_context() is only available inside a plugin's route")
    return ctx  # type: ignore[no-any-return]


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


def _check_role(roles: Sequence[str]) -> ActorRef:
    actor = current_context().request_actor()
    if actor is None:
        raise PluginError("Sign in first.", "unauthorized", 401)
    kind = actor.kind if actor.kind == "visitor" else (actor.role or "agent")
    allowed = set(roles) | ({"admin"} if "agent" in roles else set())
    if kind not in allowed:
        raise PluginError("Your role does not allow this.", "forbidden", 403)
    g.chinwag_actor = actor
    return actor


@added("1.1")
def require_role(*roles: str) -> Callable[[F], F]:
    """Decorate a plain Flask view so only these roles may call it (``"visitor"``, ``"agent"``
    — which admins pass too — or ``"admin"``); the caller is then :func:`current_actor`.
    Answers 401 ``unauthorized`` / 403 ``forbidden`` otherwise."""
    if not roles:
        raise ValueError("require_role() needs at least one role")
    _validate_roles(roles)

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def view(*args: Any, **kwargs: Any) -> Any:
            _check_role(roles)
            return fn(*args, **kwargs)

        return view  # type: ignore[return-value]

    return decorate


@added("1.1")
def current_actor() -> ActorRef:
    """Who called the current route, after :func:`require_role` or ``endpoint(roles=...)``."""
    actor = g.get("chinwag_actor")
    if actor is None:
        raise RuntimeError("current_actor() needs a route that requires a role")
    return actor  # type: ignore[no-any-return]


@added("1.1")
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
    authorize: Callable[[Sequence[str]], object] | None = None,
    read_body: Callable[[], object] | None = None,
    form: bool = False,
    errors: Errors = (),
) -> Callable[[F], F]:
    """Register a JSON route on a plugin's blueprint, exactly as the core registers its own
    (the core's ``endpoint()`` is this function).

    The view receives ``body=`` and/or ``query=`` as loaded dicts (validated by the schemas,
    unknown fields rejected) and returns a dict or object (dumped with ``response``), or a
    ``(value, status)`` tuple. ``roles`` lists who may call it (see :func:`require_role`);
    ``roles=None`` makes it public. The route appears in the OpenAPI document with its schemas.
    ``authorize(roles)`` replaces the role check and ``read_body()`` the JSON body reader (the
    core passes its own); leave them out.

    ``form=True`` (added in 1.3): the body is ``multipart/form-data``, not JSON. ``body`` is
    loaded from the form fields and file parts together (a file part is a
    ``werkzeug.datastructures.FileStorage``; declare it as
    ``fields.Raw(required=True, metadata={"type": "string", "format": "binary"})``) and the
    document says ``multipart/form-data``. ``read_body()`` may replace the reader here too
    (e.g. to cap the request size before the form is parsed).

    A view may also return a ``flask.Response`` (bytes, a redirect): it is sent as it is.

    ``errors`` (added in 1.6) names the codes the view itself answers with (``PluginError``
    codes: e.g. ``("not_found",)`` from :data:`COMMON_ERRORS`, or ``{"article_locked": 409}``);
    those its declaration implies (``validation_error`` for a body or query, ``unauthorized`` /
    ``forbidden`` for roles, ``rate_limited``) are added for you. The OpenAPI document lists
    each operation's codes by status. A caller that replaces ``authorize`` or ``read_body``
    declares their codes in ``errors`` too.
    """
    declared = route_errors(errors)
    if authorize is None:
        if roles is not None:
            _validate_roles(roles)
            declared = {**declared, "unauthorized": 401, "forbidden": 403}
        authorize = _check_role
    if body is not None or query is not None:
        declared = {**declared, "validation_error": 400}
    if body is not None:  # whatever reads it, a body that is not an object is refused below
        declared = {**declared, "invalid_json": 400}
    check = authorize

    def decorate(fn: F) -> F:
        limit: RateLimit | None = getattr(fn, "_chinwag_rate_limit", None)

        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            if roles is not None:
                check(roles)
            try:
                if body is not None:
                    if read_body is not None:
                        payload = read_body()
                    elif form:
                        payload = {**request.form.to_dict(), **request.files.to_dict()}
                    else:
                        payload = request.get_json(silent=True)
                    if not isinstance(payload, dict):
                        raise PluginError("The body must be a JSON object.", "invalid_json", 400)
                    kwargs["body"] = body().load(payload)
                if query is not None:
                    kwargs["query"] = query().load(request.args.to_dict())
            except ValidationError as err:
                raise PluginError(
                    "The request is invalid.", "validation_error", 400, err.normalized_messages()
                ) from None
            result = fn(**kwargs)
            if isinstance(result, Response):
                return result
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
            tuple(roles) if roles is not None else None,
            bp.name,
            limit,
            "multipart/form-data" if form else "application/json",
            {**declared, **({"rate_limited": 429} if limit is not None else {})},
        )
        bp.add_url_rule(rule, fn.__name__, view, methods=list(methods))
        fn._chinwag_endpoint = True  # type: ignore[attr-defined]
        return fn

    return decorate


@added("1.6")
def route_errors(errors: Errors) -> dict[str, int]:
    """``errors=`` as codes mapped to their status; raises ``ValueError`` for a name that is
    not in :data:`COMMON_ERRORS` or a status that is not an HTTP error (400-599)."""
    if isinstance(errors, str):
        raise TypeError('errors is a sequence of codes, e.g. errors=("not_found",)')
    if isinstance(errors, Mapping):
        found = dict(errors)
    else:
        unknown = [code for code in errors if code not in COMMON_ERRORS]
        if unknown:
            raise ValueError(
                f"unknown error codes {unknown}: map them to their status, e.g. "
                f"errors={{{unknown[0]!r}: 409}}, or use {sorted(COMMON_ERRORS)}"
            )
        found = {code: COMMON_ERRORS[code] for code in errors}
    for code, status in found.items():
        if not _CODE.fullmatch(code) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"error {code!r}: a snake_case code with a status from 400 to 599")
    return found


_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _validate_roles(roles: Sequence[str]) -> None:
    if isinstance(roles, str):
        raise TypeError("roles is a sequence of role names, e.g. roles=('agent',)")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; use {ROLES}")


#: what a :func:`rate_limit` counts per: the caller's IP address, the calling visitor, or the
#: calling visitor or agent
RATE_KEYS = ("ip", "visitor", "actor")
_RATE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@added("1.3")
def rate_limit(name: str, per_minute: int = 30, key: str = "ip") -> Callable[[F], F]:
    """Allow a route at most ``per_minute`` calls a minute per ``key`` (a sliding window),
    counted by the core's rate limiter: in Redis when ``CHINWAG_REDIS_URL`` is set (shared by
    every server process), else in the process. A call past it answers 429 ``rate_limited``
    with ``retry_after_ms`` in the body and a ``Retry-After`` header, like the core's own
    limits, and is not counted; routes of one plugin sharing a ``name`` share one budget.

    ``key`` is ``"ip"`` (the caller's address), ``"visitor"`` (the calling visitor; callers
    that are not visitors count by address) or ``"actor"`` (the calling visitor or agent; by
    address when nobody is signed in). Put it *below* ``@endpoint(...)`` (or a blueprint's
    ``@route``): the role check then runs first and the OpenAPI document lists the 429::

        @endpoint(bp, "/search", query=SearchQuery, roles=("visitor",))
        @rate_limit("search", per_minute=30, key="visitor")
        def search(query): ...

    Raises ``ValueError`` for a bad name (1-64 of ``[A-Za-z0-9_.-]``), limit or key, and
    ``TypeError`` when put above ``@endpoint`` (where it would never run).
    """
    if not isinstance(name, str) or not _RATE_NAME.fullmatch(name):
        raise ValueError("a rate limit's name is 1-64 of [A-Za-z0-9_.-]")
    if isinstance(per_minute, bool) or not isinstance(per_minute, int) or per_minute < 1:
        raise ValueError("per_minute is a positive integer")
    if key not in RATE_KEYS:
        raise ValueError(f"key is one of {RATE_KEYS}")
    spec = RateLimit(name, per_minute, key)

    def decorate(fn: F) -> F:
        if getattr(fn, "_chinwag_endpoint", False):
            raise TypeError(f"put @rate_limit below @endpoint(...) on {fn.__name__}")

        @functools.wraps(fn)
        def view(*args: Any, **kwargs: Any) -> Any:
            ctx = current_context()
            ctx.hit_rate_limit(name, _caller_key(ctx, key), per_minute)
            return fn(*args, **kwargs)

        view._chinwag_rate_limit = spec  # type: ignore[attr-defined]
        return view  # type: ignore[return-value]

    return decorate


def _caller_key(ctx: PluginContext, key: str) -> str:
    if key != "ip":
        actor = g.get("chinwag_actor") or ctx.request_actor()
        if actor is not None and (key == "actor" or actor.kind == "visitor"):
            return f"{actor.kind}:{actor.id}"
    return f"ip:{request.remote_addr or '-'}"
