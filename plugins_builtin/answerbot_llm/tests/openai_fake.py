"""A local stand-in for an OpenAI-compatible chat-completions API (a ``chinwag.testing.FakeService``).

``POST /v1/chat/completions`` validates what OpenAI documents for the request (JSON body;
``model`` a known model; ``messages`` a non-empty list of objects with a ``role`` of system,
developer, user, assistant or tool and string ``content``; ``temperature`` 0-2; ``max_tokens``
a positive integer; ``response_format.type`` text, json_object or json_schema; ``stream``
boolean) and the ``Authorization: Bearer`` key when one is set, answering errors as
``{"error": {"message", "type", "code"}}`` with 400/401/404. A valid request is answered with a
``chat.completion`` object whose ``choices[0].message.content`` is ``reply(body)``.

``hold`` (a ``threading.Event``) makes every request wait until it is set: the endpoint is
"slow" for as long as a test wants, without a sleep in the test. ``delay`` makes every answer
take that many seconds (a slow local model), waited in the server's thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chinwag.testing import CapturedRequest, FakeService

ROLES = {"system", "developer", "user", "assistant", "tool"}
FORMATS = {"text", "json_object", "json_schema"}


def error(status: int, message: str, kind: str, code: str | None = None) -> tuple[int, Any]:
    return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}


def cite_first(body: dict[str, Any]) -> str:
    """The default model: answers with the first sentence of passage [1], citing it."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    first = user.split("[1] ", 1)[1].split("\n", 1)[1]
    return json.dumps({"status": "answered", "answer": first.split(". ")[0] + ".", "sources": [1]})


@dataclass
class FakeOpenAI(FakeService):
    """Kept: ``bodies`` (each valid request's JSON) and ``errors`` (why requests were refused)."""

    model: str = "test-model"
    api_key: str = ""
    reply: Callable[[dict[str, Any]], str] = cite_first
    status: int = 200
    hold: threading.Event | None = None
    delay: float = 0.0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        if self.hold is not None:
            self.hold.wait(30)
        if self.delay:
            threading.Event().wait(self.delay)
        if request.method != "POST" or request.route != "/v1/chat/completions":
            return error(
                404,
                f"Unknown request URL: {request.method} {request.route}",
                "invalid_request_error",
            )
        if self.api_key and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._refuse(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body = json.loads(request.body)
        except ValueError:
            return self._refuse(400, "We could not parse the JSON body of your request.", None)
        problem = validate(body, self.model)
        if problem:
            status, message, code = problem
            return self._refuse(status, message, code)
        self.bodies.append(body)
        if self.status != 200:
            return error(
                self.status,
                "The server had an error while processing your request.",
                "server_error",
            )
        return 200, {
            "id": f"chatcmpl-{len(self.bodies)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply(body)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _refuse(self, status: int, message: str, code: str | None) -> tuple[int, Any]:
        self.errors.append(message)
        return error(status, message, "invalid_request_error", code)


def validate(body: Any, model: str) -> tuple[int, str, str | None] | None:
    """(status, message, code) of the first problem OpenAI would report, or None."""
    if not isinstance(body, dict):
        return 400, "The request body must be a JSON object.", None
    if body.get("model") != model:
        return 404, f"The model `{body.get('model')}` does not exist.", "model_not_found"
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return 400, "'messages' must be a non-empty array.", None
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return 400, f"Invalid value for 'messages[{i}].role'.", "invalid_value"
        if not isinstance(m.get("content"), str):
            return 400, f"'messages[{i}].content' must be a string.", "invalid_type"
    temperature = body.get("temperature", 1)
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        return 400, "'temperature' must be a number.", "invalid_type"
    if not 0 <= temperature <= 2:
        return 400, "'temperature' must be between 0 and 2.", "decimal_above_max_value"
    tokens = body.get("max_tokens", 1)
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        return 400, "'max_tokens' must be a positive integer.", "invalid_value"
    fmt = body.get("response_format", {"type": "text"})
    if not isinstance(fmt, dict) or fmt.get("type") not in FORMATS:
        return 400, "Invalid value for 'response_format.type'.", "invalid_value"
    if not isinstance(body.get("stream", False), bool):
        return 400, "'stream' must be a boolean.", "invalid_type"
    return None
