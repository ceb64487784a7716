"""A faster JSON for Socket.IO packets (orjson), with the ``dumps``/``loads`` interface it expects.

orjson refuses integers beyond 64 bits; such packets (only ever sent by broken or hostile
clients) fall back to the standard library, so they are validated and refused like any other
bad input instead of failing in the transport."""

from __future__ import annotations

import json
from typing import Any

import orjson


class JSON:
    @staticmethod
    def dumps(obj: Any, **_kwargs: Any) -> str:
        # validation details key list positions by int: allowed, written as strings
        try:
            return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            return json.dumps(obj, default=str)

    @staticmethod
    def loads(s: str | bytes, **_kwargs: Any) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            return json.loads(s)
