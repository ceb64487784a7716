"""A thin client of the Elasticsearch / OpenSearch REST API: the few calls the plugin makes.

Plain JSON over HTTP (``requests``), no vendor client: elasticsearch-py 8+ sends compatibility
media types (``application/vnd.elasticsearch+json; compatible-with=8``) that OpenSearch refuses,
and opensearch-py's checks refuse Elasticsearch. Everything used here (``_bulk``,
``_index_template`` / ``_template``, ``_delete_by_query``, ``_search``) is the same on
Elasticsearch 7-9 and OpenSearch 1-3.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

#: item statuses of ``_bulk`` worth sending again: the cluster is busy (429: rejected execution,
#: a full write queue) or a shard is unavailable for now (5xx); others (400: mapping, 404, 409)
#: would fail the same way again
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class ClusterError(Exception):
    """The cluster refused a request, or could not be reached (``status`` None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class BulkOutcome:
    """What ``_bulk`` did with each action, by its position in the request."""

    ok: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    #: position -> the cluster's error type (never the document: it may hold visitor data)
    rejected: dict[int, str] = field(default_factory=dict)


class Cluster:
    """One cluster, as the plugin's settings describe it."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.url = str(settings.get("url") or "http://127.0.0.1:9200").rstrip("/")
        self.timeout = float(settings.get("timeout_seconds") or 10.0)
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        api_key = str(settings.get("api_key") or "")
        user = str(settings.get("username") or "")
        if api_key:
            self.http.headers["Authorization"] = f"ApiKey {api_key}"
        elif user:
            self.http.auth = (user, str(settings.get("password") or ""))
        ca = str(settings.get("ca_certs") or "")
        self.http.verify = ca if ca else bool(settings.get("verify_tls", True))

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        ndjson: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The decoded answer; raises :class:`ClusterError` on an error status or no answer."""
        headers = {}
        data: bytes | None = None
        if ndjson is not None:
            headers["Content-Type"] = "application/x-ndjson"
            data = ndjson
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        try:
            res = self.http.request(
                method,
                f"{self.url}/{path.lstrip('/')}",
                data=data,
                headers=headers,
                params=params,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ClusterError(f"{method} /{path.lstrip('/')}: {type(exc).__name__}") from exc
        try:
            answer = res.json() if res.content else {}
        except ValueError:
            answer = {}
        if res.status_code >= 400:
            raise ClusterError(
                f"{method} /{path.lstrip('/')}: {res.status_code} {_reason(answer)}",
                res.status_code,
            )
        return answer if isinstance(answer, dict) else {"answer": answer}

    def put_template(
        self, name: str, composable: Mapping[str, Any], legacy: Mapping[str, Any]
    ) -> str:
        """Install the index template; clusters without composable templates (Elasticsearch
        before 7.8) get the legacy one. Returns the API used."""
        try:
            self.request("PUT", f"_index_template/{name}", composable)
            return "_index_template"
        except ClusterError as exc:
            if exc.status not in (400, 404, 405):
                raise
        self.request("PUT", f"_template/{name}", legacy)
        return "_template"

    def bulk(self, actions: Iterable[tuple[str, str, Mapping[str, Any]]]) -> BulkOutcome:
        """Index ``(index, id, document)`` actions in one ``_bulk`` request, and sort out each
        item's answer: indexed, worth retrying, or refused for good."""
        lines: list[bytes] = []
        count = 0
        for index, doc_id, doc in actions:
            lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}).encode())
            lines.append(json.dumps(doc, separators=(",", ":")).encode())
            count += 1
        outcome = BulkOutcome()
        if not count:
            return outcome
        answer = self.request("POST", "_bulk", ndjson=b"\n".join(lines) + b"\n")
        items = answer.get("items")
        if not isinstance(items, list) or len(items) != count:
            raise ClusterError("POST /_bulk: an answer without one item per action")
        for pos, item in enumerate(items):
            result: Any = next(iter(item.values()), {}) if isinstance(item, dict) else {}
            status = int(result.get("status", 500)) if isinstance(result, dict) else 500
            if status < 300:
                outcome.ok.append(pos)
            elif status in RETRYABLE:
                outcome.retry.append(pos)
            else:
                outcome.rejected[pos] = _reason(result) or str(status)
        return outcome

    def delete_by_query(self, index: str, query: Mapping[str, Any]) -> int:
        """Delete the matching documents of ``index`` (a pattern); returns how many went."""
        answer = self.request(
            "POST",
            f"{index}/_delete_by_query",
            {"query": query},
            params={"refresh": "true", "conflicts": "proceed", "allow_no_indices": "true"},
        )
        failures = answer.get("failures") or []
        if failures:
            raise ClusterError(f"_delete_by_query: {len(failures)} failure(s)")
        return int(answer.get("deleted", 0))


def _reason(answer: Any) -> str:
    """The error type of an answer, e.g. ``mapper_parsing_exception`` (no reason text: it can
    quote the document)."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        return str(error.get("type") or "")
    return str(error or "")
