"""Every error leaves Chinwag as JSON ``{"error": {"code", "message"}}`` with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from chinwag_plugin_api import PluginError
from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with a machine code, a human message and an HTTP status."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        details: Any = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        #: machine-readable fields beside code and message (e.g. ``retry_after_ms``)
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, **self.extra}
        if self.details is not None:
            body["details"] = self.details
        return body


#: the status of each code the core's views answer with: a route names its codes in
#: ``endpoint(errors=(...))`` and the OpenAPI document lists them by status from here
STATUS: dict[str, int] = {
    "validation_error": 400,
    "invalid_json": 400,
    "bad_snooze": 400,
    "email_required": 400,
    "unknown_purpose": 400,
    "auth_required": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "invalid_credentials": 401,
    "identity_invalid": 401,
    "identity_expired": 401,
    "identity_required": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "origin_not_allowed": 403,
    "not_found": 404,
    "plugin_not_found": 404,
    "site_not_found": 404,
    "user_not_found": 404,
    "conflict": 409,
    "cannot_change_self": 409,
    "content_advice_recursion": 409,
    "not_open": 409,
    "plugin_essential": 409,
    "plugin_not_loaded": 409,
    "plugin_requires": 409,
    "shortcut_taken": 409,
    "team_exists": 409,
    "unknown_site": 409,
    "unknown_user": 409,
    "unknown_team": 409,
    "too_many_views": 409,
    "user_exists": 409,
    "view_exists": 409,
    "theme_refused": 422,
    "account_locked": 429,
    "rate_limited": 429,
    "plugin_failed": 502,
    "mail_unavailable": 503,
    "widget_not_built": 503,
}


class ClientTimeout(TimeoutError):
    """The client did not send its request (headers, body) in time (``http_guard``)."""


#: ids are 32-bit in the database (``schemas.MAX_INT``); a larger one in a path is no id at all
MAX_PATH_ID = 2**31 - 1


class InvalidPathId(BadRequest):
    """A path id out of range: a 400 ``invalid_id`` (a 20-digit id was a 500 on SQLite)."""

    description = f"Ids in paths are integers from 0 to {MAX_PATH_ID}."


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every route: digits only, at most ``MAX_PATH_ID``."""

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_PATH_ID:
            raise InvalidPathId()
        return number


def register_converters(app: Flask) -> None:
    """Before any route is added (a rule binds its converter when it is registered)."""
    app.url_map.converters["int"] = BoundedIntConverter


def body_timed_out(environ: dict[str, Any]) -> bool:
    """Whether the request's body was cut off by ``chinwag run``'s deadline (``http_guard``
    marks the reader under gevent's ``wsgi.input``, which survives copies of the environ)."""
    reader = getattr(environ.get("wsgi.input"), "rfile", None)
    return getattr(reader, "timed_out", False) is True


def validation_error(err: ValidationError) -> ApiError:
    return ApiError("validation_error", "The request is invalid.", 400, err.normalized_messages())


def as_api_error(exc: BaseException) -> ApiError:
    """Map any exception to the ApiError a client sees (never a traceback)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        return validation_error(exc)
    if isinstance(exc, ClientTimeout):
        return ApiError("request_timeout", "The request did not arrive in time.", 408)
    if isinstance(exc, PluginError):
        return ApiError(exc.code, exc.message, exc.status, getattr(exc, "details", None))
    if isinstance(exc, InvalidPathId):
        return ApiError("invalid_id", exc.description or "", 400)
    if isinstance(exc, HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return ApiError(code, exc.description or exc.name, exc.code or 500)
    log.exception("unhandled error", exc_info=exc)
    return ApiError("internal_error", "Something went wrong on our side.", 500)


def _respond(exc: BaseException) -> Response:
    err = as_api_error(exc)
    res = jsonify({"error": err.to_dict()})
    res.status_code = err.status
    if "retry_after_ms" in err.extra:  # RFC 9110 Retry-After: whole seconds, rounded up
        res.headers["Retry-After"] = str(-(-int(err.extra["retry_after_ms"]) // 1000))
    if isinstance(exc, HTTPException) and exc.code == 405:
        valid = getattr(exc, "valid_methods", None) or []
        res.headers["Allow"] = ", ".join(sorted(set(valid) | {"OPTIONS"}))
    return res


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Exception, _respond)
