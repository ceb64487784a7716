"""JSON from untrusted clients: too deep or not valid Unicode is refused before any code sees it.

A lone surrogate (``"\\ud800"``) is valid JSON but no text a database can store (it was a 500);
100,000 nested arrays overflow the parser's recursion (a 500 on REST, no ack at all on a socket).
REST answers 400 with a stable code; a socket event keeps its name and ack id and gets a
``validation_error`` ack (the payload is replaced by a marker no schema accepts).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

from chinwag.errors import ApiError

#: deepest nesting accepted in a body or an event (real payloads nest a handful of levels)
MAX_DEPTH = 64
#: what an unusable event payload becomes: a field no schema knows, with the reason
INVALID_KEY = "_invalid_json"
_EVENT_NAME = re.compile(r'^\s*\[\s*"((?:[^"\\]|\\.){1,200})"')


def problem(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` may not be used (``too_deep`` / ``invalid_text``), or None."""
    if depth > MAX_DEPTH:
        return "too_deep"
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _text_problem(key) if isinstance(key, str) else None
            found = found or problem(item, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = problem(item, depth + 1)
            if found:
                return found
    return None


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid_text"
    return None


_MESSAGES = {
    "too_deep": f"The JSON is nested deeper than {MAX_DEPTH} levels.",
    "invalid_text": "The JSON holds text that is not valid Unicode (a lone surrogate).",
}


def refusal(reason: str) -> ApiError:
    code = "json_too_deep" if reason == "too_deep" else "invalid_text"
    return ApiError(code, _MESSAGES[reason], 400)


def load_body(raw: bytes) -> Any:
    """A REST body parsed, or ApiError 400 (``invalid_json``, ``json_too_deep``,
    ``invalid_text``). orjson refuses deep nesting and lone surrogates in C, fast; what it
    cannot read (integers beyond 64 bits) goes through the standard library and the same checks."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        reason = str(err).lower()
        if "depth" in reason or "recursion" in reason:
            raise refusal("too_deep") from None
        if "surrogate" in reason:
            raise refusal("invalid_text") from None
        try:
            value = json.loads(raw)
        except RecursionError:
            raise refusal("too_deep") from None
        except ValueError:
            raise ApiError("invalid_json", "The body is not valid JSON.", 400) from None
    found = problem(value)
    if found:
        raise refusal(found)
    return value


def load_packet(data: str | bytes) -> Any:
    """A Socket.IO packet's JSON that orjson refused (rare: huge integers, surrogates, depth):
    the standard library's reading, or ``[event, {INVALID_KEY: reason}]`` when it is unusable,
    so the event still gets its error ack. Invalid JSON raises as before."""
    try:
        value = json.loads(data)
        found = problem(value)
    except RecursionError:
        found = "too_deep"
    if not found:
        return value
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    match = _EVENT_NAME.match(text)
    if match is None:
        raise ValueError(_MESSAGES[found])
    return [json.loads(f'"{match.group(1)}"'), {INVALID_KEY: _MESSAGES[found]}]


class SafeJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: ``request.get_json()`` (plugin routes, plain views) refuses
    what :func:`load_body` refuses, so no route of the app parses a 5,000-deep body into a
    ``RecursionError`` (a 500) or stores a lone surrogate. Invalid JSON stays a ``ValueError``
    (``get_json(silent=True)`` is then None, as Flask documents)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # a caller's own decoder options: the standard reading, the same checks
            try:
                value = super().loads(s, **kwargs)
            except RecursionError:
                raise refusal("too_deep") from None
            found = problem(value)
            if found:
                raise refusal(found)
            return value
        raw = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s
        try:
            return load_body(raw)
        except ApiError as err:
            if err.code == "invalid_json":
                raise ValueError(err.message) from None
            raise
