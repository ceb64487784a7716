"""A local stand-in for the Analytics Admin API's User Deletion method, for the plugin's tests (a
``chinwag.testing.FakeService``).

``POST /v1alpha/properties/{property}:submitUserDeletion`` with ``Authorization: Bearer <token>``
and a JSON body naming exactly one user (``clientId``, ``userId``, ``appInstanceId`` or
``userProvidedData``, Google's union ``user``) answers 200 ``{"deletionRequestTime": ...}``; as
Google does, a missing or wrong token gets 401 ``UNAUTHENTICATED``, an unknown property 403
``PERMISSION_DENIED``, a bad body 400 ``INVALID_ARGUMENT`` (``{"error": {"code", "message",
"status"}}``), any other method or path 404. Accepted deletions are kept in ``deletions``; every
refused request's reason in ``errors``. ``fail_next`` answers that many requests 503 first.
Besides ``token``, any token in ``tokens`` is accepted (share a ``FakeGoogleTokens``'s ``live``
set: the tokens it issued and has not expired or revoked).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chinwag.testing import CapturedRequest, FakeService

PATH = re.compile(r"^/v1alpha/properties/([0-9]+):submitUserDeletion$")
USER_FIELDS = ("clientId", "userId", "appInstanceId", "userProvidedData")


def _error(code: int, status: str, message: str) -> tuple[int, Any]:
    return code, {"error": {"code": code, "message": message, "status": status}}


@dataclass
class FakeGA4Admin(FakeService):
    property_id: str = "123456789"
    token: str = "ya29.test-token"
    fail_next: int = 0
    tokens: set[str] = field(default_factory=set)
    deletions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        with self.lock:
            code, body = self._answer(request)
            if code != 200 and code != 503:
                self.errors.append(f"{code} {body['error']['message']}")
            return code, body

    def _answer(self, request: CapturedRequest) -> tuple[int, Any]:
        match = PATH.match(request.route)
        if request.method != "POST" or match is None or request.query:
            return _error(404, "NOT_FOUND", f"{request.method} {request.path} not found.")
        if self.fail_next > 0:
            self.fail_next -= 1
            return _error(503, "UNAVAILABLE", "The service is currently unavailable.")
        headers = {k.lower(): v for k, v in request.headers.items()}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or (token != self.token and token not in self.tokens):
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if match.group(1) != self.property_id:
            return _error(403, "PERMISSION_DENIED", "User does not have sufficient permissions.")
        if not headers.get("content-type", "").startswith("application/json"):
            return _error(400, "INVALID_ARGUMENT", "Content-Type must be application/json.")
        try:
            body = json.loads(request.body)
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        if not isinstance(body, dict) or set(body) - set(USER_FIELDS):
            return _error(400, "INVALID_ARGUMENT", "Unknown name in the request body.")
        named = [k for k in USER_FIELDS if k in body]
        if len(named) != 1:
            return _error(400, "INVALID_ARGUMENT", "Exactly one user identifier is required.")
        value = body[named[0]]
        if not isinstance(value, str) or not value:
            return _error(400, "INVALID_ARGUMENT", f"{named[0]} must be a non-empty string.")
        self.deletions.append(body)
        return 200, {"deletionRequestTime": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
