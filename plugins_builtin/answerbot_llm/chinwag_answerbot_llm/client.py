"""One call of an OpenAI-compatible ``POST <base URL>/chat/completions``, bounded in time.

The standard library's HTTP client, so the bot adds no dependency. Each socket operation gets
the time left before one deadline (connect, send, every read), so a server that accepts and
then trickles bytes cannot hold the bot past ``timeout``. Errors name the endpoint and what
went wrong, never the API key (it travels only in the ``Authorization`` header).
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Mapping, Sequence
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit

from chinwag_answerbot_llm.plugin import Endpoint

#: the largest reply read; a chat completion of a few hundred tokens is a few kilobytes
MAX_REPLY_BYTES = 1_000_000
USER_AGENT = "chinwag-answerbot-llm/0.1"


class EndpointError(Exception):
    """The endpoint did not give a usable completion.

    :param kind: ``timeout``, ``unreachable``, ``http`` (a non-2xx status) or ``malformed``
        (not the chat-completions shape); also the name of the health counter it adds to.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def request_body(point: Endpoint, messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The JSON body sent: the model, the messages and the sampling options, nothing else."""
    body: dict[str, Any] = {
        "model": point.model,
        "messages": [dict(m) for m in messages],
        "temperature": point.temperature,
        "max_tokens": point.max_tokens,
        "stream": False,
    }
    if point.json_mode:
        body["response_format"] = {"type": "json_object"}
    return body


def complete(point: Endpoint, messages: Sequence[Mapping[str, str]]) -> str:
    """``choices[0].message.content`` of the endpoint's answer to ``messages``.

    Raises :class:`EndpointError` when it is down, slow (past ``point.timeout``), answers an
    error status or something that is not a chat completion."""
    deadline = time.monotonic() + point.timeout
    url = urlsplit(point.base_url + "/chat/completions")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    headers["User-Agent"] = USER_AGENT
    if point.api_key:
        headers["Authorization"] = f"Bearer {point.api_key}"
    data = json.dumps(request_body(point, messages)).encode()
    conn: HTTPConnection
    if url.scheme == "https":
        conn = HTTPSConnection(
            url.hostname or "",
            url.port,
            timeout=point.timeout,
            context=ssl.create_default_context(),
        )
    else:
        conn = HTTPConnection(url.hostname or "", url.port, timeout=point.timeout)
    where = f"{url.scheme}://{url.netloc}{url.path}"
    try:
        conn.request("POST", url.path, body=data, headers=headers)
        raw, status = _read(conn, deadline)
    except TimeoutError as exc:
        raise EndpointError("timeout", f"{where} gave no answer within {point.timeout:g}s") from exc
    except (OSError, HTTPException) as exc:
        raise EndpointError("unreachable", f"{where}: {type(exc).__name__} {exc}") from exc
    finally:
        conn.close()
    if not 200 <= status < 300:
        raise EndpointError("http", f"{where} answered HTTP {status}")
    return _content(raw, where)


def _read(conn: HTTPConnection, deadline: float) -> tuple[bytes, int]:
    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        return remaining

    if conn.sock is not None:
        conn.sock.settimeout(left())
    resp = conn.getresponse()
    chunks: list[bytes] = []
    size = 0
    while True:
        if conn.sock is not None:
            conn.sock.settimeout(left())
        chunk = resp.read1(65536)
        if not chunk:
            return b"".join(chunks), resp.status
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise HTTPException(f"reply larger than {MAX_REPLY_BYTES} bytes")
        chunks.append(chunk)


def _content(raw: bytes, where: str) -> str:
    try:
        doc = json.loads(raw)
        content = doc["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise EndpointError("malformed", f"{where} did not answer a chat completion") from exc
    if not isinstance(content, str):
        raise EndpointError("malformed", f"{where}: choices[0].message.content is not text")
    return content
