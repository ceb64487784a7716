"""A local stand-in for GA4's Measurement Protocol, for the plugin's tests and the bench (a
``chinwag.testing.FakeService``: ``start()``, ``url``, ``stop()``).

``POST /mp/collect?measurement_id=&api_secret=`` answers 204 to whatever it can parse, as GA4
does, and keeps the request; ``POST /debug/mp/collect`` answers 200 with
``{"validationMessages": [{"fieldPath", "description", "validationCode"}]}`` as GA4's validation
server does. Both validate what GA4 documents: the measurement id and API secret, a
``client_id``, 1-25 events, event names (at most 40 letters, digits or underscores, starting
with a letter, not reserved), at most 25 parameters an event with names of the same rules and
string values of at most 100 characters, and timestamps within the last 72 hours. Messages for
``/mp/collect`` requests are kept in ``errors`` (GA4 would silently drop such events), so a test
can assert there were none.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chinwag.testing import CapturedRequest, FakeService

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
RESERVED = {
    "ad_activeview", "ad_click", "ad_exposure", "ad_impression", "ad_query", "ad_reward",
    "adunit_exposure", "app_background", "app_clear_data", "app_exception", "app_remove",
    "app_store_refund", "app_store_subscription_cancel", "app_store_subscription_convert",
    "app_store_subscription_renew", "app_update", "app_upgrade", "dynamic_link_app_open",
    "dynamic_link_app_update", "dynamic_link_first_open", "error", "first_open", "first_visit",
    "in_app_purchase", "notification_dismiss", "notification_foreground", "notification_open",
    "notification_receive", "os_update", "session_start", "session_start_with_rollout",
    "user_engagement",
}  # fmt: skip
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")


def message(path: str, description: str, code: str) -> dict[str, str]:
    return {"fieldPath": path, "description": description, "validationCode": code}


def validate(query: dict[str, list[str]], body: Any, ids: tuple[str, str]) -> list[dict[str, str]]:
    """GA4's validation messages for one request (empty: valid)."""
    out = []
    if query.get("measurement_id") != [ids[0]]:
        out.append(
            message("measurement_id", "Measurement ID is missing or unknown.", "VALUE_INVALID")
        )
    if query.get("api_secret") != [ids[1]]:
        out.append(message("api_secret", "API secret is missing or wrong.", "VALUE_INVALID"))
    if not isinstance(body, dict):
        return [
            *out,
            message("", "Unable to parse Measurement Protocol JSON payload.", "VALUE_INVALID"),
        ]
    cid = body.get("client_id")
    if not isinstance(cid, str) or not cid:
        out.append(message("client_id", "Measurement requires a client_id.", "VALUE_REQUIRED"))
    events = body.get("events")
    if not isinstance(events, list) or not events:
        return [*out, message("events", "Measurement requires events.", "VALUE_REQUIRED")]
    if len(events) > 25:
        out.append(
            message(
                "events", f"{len(events)} events exceed the limit of 25.", "EXCEEDED_MAX_ENTITIES"
            )
        )
    now_us = time.time() * 1e6
    for i, event in enumerate(events):
        where = f"events[{i}]"
        name = event.get("name") if isinstance(event, dict) else None
        if not isinstance(name, str) or not NAME.match(name):
            out.append(message(f"{where}.name", f"Event name {name!r} is invalid.", "NAME_INVALID"))
        elif name in RESERVED or name.startswith(RESERVED_PREFIXES):
            out.append(
                message(f"{where}.name", f"Event name {name!r} is reserved.", "NAME_RESERVED")
            )
        params = event.get("params", {}) if isinstance(event, dict) else None
        if not isinstance(params, dict):
            out.append(message(f"{where}.params", "Params must be an object.", "VALUE_INVALID"))
            continue
        if len(params) > 25:
            out.append(
                message(
                    f"{where}.params", f"{len(params)} params exceed 25.", "EXCEEDED_MAX_ENTITIES"
                )
            )
        for key, value in params.items():
            at = f"{where}.params.{key}"
            if not NAME.match(key) or key.startswith(RESERVED_PREFIXES):
                out.append(message(at, f"Param name {key!r} is invalid.", "NAME_INVALID"))
            if isinstance(value, str) and len(value) > 100:
                out.append(
                    message(at, "Param value exceeds 100 characters.", "VALUE_OUT_OF_BOUNDS")
                )
            elif key != "items" and (
                isinstance(value, bool) or not isinstance(value, str | int | float)
            ):
                out.append(message(at, "Param values are strings or numbers.", "VALUE_INVALID"))
        ts = event.get("timestamp_micros") if isinstance(event, dict) else None
        if ts is not None and (
            not isinstance(ts, int) or not now_us - 72 * 3600e6 <= ts <= now_us + 60e6
        ):
            out.append(
                message(
                    f"{where}.timestamp_micros",
                    "Timestamps are at most 72 hours old.",
                    "VALUE_OUT_OF_BOUNDS",
                )
            )
    return out


@dataclass
class FakeGA4(FakeService):
    measurement_id: str = "G-TEST1234"
    api_secret: str = "ga-secret-1"
    down: bool = False
    bodies: list[dict[str, Any]] = field(default_factory=list)  # accepted /mp/collect bodies
    debug_bodies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: CapturedRequest) -> tuple[int, Any]:
        return self.handle(request.path, request.body)

    def handle(self, path: str, raw: bytes) -> tuple[int, Any]:
        if self.down:
            return 503, {"error": "unavailable"}
        url = urlsplit(path)
        if url.path not in ("/mp/collect", "/debug/mp/collect"):
            return 404, None
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        found = validate(parse_qs(url.query), body, (self.measurement_id, self.api_secret))
        with self.lock:
            if url.path == "/debug/mp/collect":
                self.debug_bodies.append(body)
                return 200, {"validationMessages": found}
            self.errors.extend(found)
            if not found:
                self.bodies.append(body)
        return 204, None

    def events(self, name: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """``(client_id, event)`` of every accepted event, in order."""
        with self.lock:
            return [
                (b["client_id"], e)
                for b in self.bodies
                for e in b["events"]
                if name is None or e["name"] == name
            ]
