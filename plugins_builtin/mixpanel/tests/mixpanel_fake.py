"""A local stand-in for Mixpanel's ingestion and GDPR APIs, for the plugin's tests and the bench
(a ``chinwag.testing.FakeService``: ``start()``, ``url``, ``stop()``).

It answers as Mixpanel does for the requests the ``mixpanel`` library makes (form field ``data``
holding a JSON array, ``verbose=1``: ``{"status": 1, "error": null}`` or ``{"status": 0,
"error": "..."}``) and validates what Mixpanel documents: the project token on every event,
``distinct_id``, ``time`` and ``$insert_id`` (at most 36 of ``[A-Za-z0-9-]``) in events, at most
2,000 records per request, HTTP basic auth with the API secret on ``/import``, ``/track`` only for
events of the last 5 days, ``$token`` and ``$distinct_id`` on profile updates, and for the GDPR
API (``POST /api/app/data-deletions/v3.0/?token=``) a bearer token and a body of ``distinct_ids``
(1-1,999) and ``compliance_type`` (``GDPR`` or ``CCPA``). Everything accepted is kept; every
refusal is kept too (``errors``), so a test can assert there was none.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chinwag.testing import CapturedRequest, FakeService

INSERT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
MAX_BATCH = 2000
TRACK_WINDOW_S = 5 * 24 * 3600


@dataclass
class FakeMixpanel(FakeService):
    token: str = "tok-123"
    api_secret: str = "sec-456"
    gdpr_token: str = "gdpr-789"
    #: answer 503 to everything (the service is down)
    down: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)  # /track and /import, in order
    imported: list[dict[str, Any]] = field(default_factory=list)  # /import only
    profiles: list[dict[str, Any]] = field(default_factory=list)  # /engage
    deletions: list[dict[str, Any]] = field(default_factory=list)  # GDPR API bodies
    requests: list[str] = field(default_factory=list)  # paths of accepted requests
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        return self.handle(request.path, request.headers, request.body)

    # -- the endpoints ------------------------------------------------------------------------

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if self.down:
            return 503, {"error": "service unavailable"}
        url = urlsplit(path)
        query = parse_qs(url.query)
        try:
            if url.path == "/api/app/data-deletions/v3.0/":
                return self._gdpr(query, headers, raw)
            if url.path not in ("/track", "/import", "/engage"):
                return 404, {"error": "not found"}
            records = _records(raw, headers)
            if not 1 <= len(records) <= MAX_BATCH:
                raise Refused(f"a request carries 1-{MAX_BATCH} records, not {len(records)}")
            if url.path == "/import":
                self._auth(headers)
            for record in records:
                if url.path == "/engage":
                    _profile(record, self.token)
                else:
                    _event(record, self.token, url.path == "/track")
        except Refused as err:
            with self.lock:
                self.errors.append(f"{url.path}: {err}")
            return (401 if err.auth else 400), {"status": 0, "error": str(err)}
        with self.lock:
            self.requests.append(url.path)
            if url.path == "/engage":
                self.profiles.extend(records)
            else:
                self.events.extend(records)
                if url.path == "/import":
                    self.imported.extend(records)
        return 200, {"status": 1, "error": None}

    def _auth(self, headers: dict[str, str]) -> None:
        auth = headers.get("Authorization") or ""
        expected = "Basic " + base64.b64encode(f"{self.api_secret}:".encode()).decode()
        if auth != expected:
            raise Refused("/import needs HTTP basic auth with the project's API secret", True)

    def _gdpr(
        self, query: dict[str, list[str]], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        try:
            if headers.get("Authorization") != f"Bearer {self.gdpr_token}":
                raise Refused("the GDPR API needs the OAuth token as a bearer token", True)
            if query.get("token") != [self.token]:
                raise Refused("token: the project token is required in the query")
            body = json.loads(raw or b"null")
            ids = body.get("distinct_ids") if isinstance(body, dict) else None
            if not isinstance(ids, list) or not 1 <= len(ids) < 2000:
                raise Refused("distinct_ids: a list of 1-1999 ids is required")
            if not all(isinstance(i, str) and i for i in ids):
                raise Refused("distinct_ids: every id is a non-empty string")
            if body.get("compliance_type") not in ("GDPR", "CCPA"):
                raise Refused("compliance_type: GDPR or CCPA")
        except (Refused, ValueError) as err:
            with self.lock:
                self.errors.append(f"gdpr: {err}")
            auth = isinstance(err, Refused) and err.auth
            return (401 if auth else 400), {"status": "error", "error": str(err)}
        with self.lock:
            self.deletions.append(body)
            self.requests.append("gdpr")
        return 200, {"status": "ok", "results": {"task_id": f"task-{len(self.deletions)}"}}

    # -- what a test reads --------------------------------------------------------------------

    def named(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["event"] == name]

    def unique(self) -> dict[str, dict[str, Any]]:
        """The events as Mixpanel keeps them: one per ``$insert_id`` (retries deduplicated)."""
        with self.lock:
            return {e["properties"]["$insert_id"]: e for e in self.events}


class Refused(Exception):
    def __init__(self, message: str, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


def _records(raw: bytes, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The records of a request: the form field ``data`` (JSON or base64 JSON) or a JSON body."""
    if "application/json" in (headers.get("Content-Type") or ""):
        text = raw.decode()
    else:
        form = parse_qs(raw.decode())
        if "data" not in form:
            raise Refused("data: the records are required (form field 'data')")
        text = form["data"][0]
        if not text.lstrip().startswith(("[", "{")):
            text = base64.b64decode(text).decode()
    try:
        parsed = json.loads(text)
    except ValueError:
        raise Refused("data: not valid JSON") from None
    records = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(r, dict) for r in records):
        raise Refused("data: every record is a JSON object")
    return records


def _event(record: dict[str, Any], token: str, track: bool) -> None:
    name = record.get("event")
    props = record.get("properties")
    if not isinstance(name, str) or not name or len(name) > 255:
        raise Refused("event: a name of 1-255 characters is required")
    if not isinstance(props, dict):
        raise Refused("properties: an object is required")
    if props.get("token") != token:
        raise Refused("properties.token: the project token is missing or wrong")
    if name == "$merge":  # a special event: its two ids, no distinct_id, time or $insert_id
        ids = props.get("$distinct_ids")
        if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
            raise Refused("$merge: properties.$distinct_ids is a list of two ids")
        return
    if "distinct_id" not in props or not isinstance(props["distinct_id"], str):
        raise Refused("properties.distinct_id: required (a string, '' for no user)")
    when = props.get("time")
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise Refused("properties.time: required (seconds or milliseconds since the epoch)")
    seconds = when / 1000 if when > 1e11 else when
    if seconds > time.time() + 3600:
        raise Refused("properties.time: in the future")
    if track and seconds < time.time() - TRACK_WINDOW_S:
        raise Refused("properties.time: /track takes events of the last 5 days; use /import")
    iid = props.get("$insert_id")
    if not isinstance(iid, str) or not INSERT_ID.match(iid):
        raise Refused("properties.$insert_id: 1-36 characters of [A-Za-z0-9-]")
    if len(props) > 255:
        raise Refused("properties: at most 255")


def _profile(record: dict[str, Any], token: str) -> None:
    if record.get("$token") != token:
        raise Refused("$token: the project token is missing or wrong")
    if not isinstance(record.get("$distinct_id"), str) or not record["$distinct_id"]:
        raise Refused("$distinct_id: required")
    meta = ("$token", "$distinct_id", "$time", "$ip", "$ignore_time")
    ops = [k for k in record if k.startswith("$") and k not in meta]
    if len(ops) != 1:
        raise Refused("a profile update carries exactly one operation ($set, $unset, ...)")
