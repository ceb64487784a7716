"""Every error leaves Chinwag as JSON ``{"error": {"code", "message"}}`` with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from chinwag_plugin_api import PluginError
from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with a machine code, a human message and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


def validation_error(err: ValidationError) -> ApiError:
    return ApiError("validation_error", "The request is invalid.", 400, err.normalized_messages())


def as_api_error(exc: BaseException) -> ApiError:
    """Map any exception to the ApiError a client sees (never a traceback)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ValidationError):
        return validation_error(exc)
    if isinstance(exc, PluginError):
        return ApiError(exc.code, exc.message, exc.status, getattr(exc, "details", None))
    if isinstance(exc, HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return ApiError(code, exc.description or exc.name, exc.code or 500)
    log.exception("unhandled error", exc_info=exc)
    return ApiError("internal_error", "Something went wrong on our side.", 500)


def _respond(exc: BaseException) -> tuple[Response, int]:
    err = as_api_error(exc)
    return jsonify({"error": err.to_dict()}), err.status


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Exception, _respond)
