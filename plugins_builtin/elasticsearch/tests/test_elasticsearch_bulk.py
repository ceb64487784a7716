"""The REST client's edges that an in-memory engine never shows: per-item ``_bulk`` failures
(only the retryable items are sent again), credentials, the legacy template API of old
Elasticsearch versions. A scripted HTTP server on loopback (``http_capture``) answers as a cluster would."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from chinwag_elasticsearch import sink as sink_module
from chinwag_elasticsearch.client import Cluster, ClusterError
from chinwag_elasticsearch.sink import ElasticsearchSink
from chinwag_plugin_api import AnalyticsEvent

from chinwag.testing import (
    CapturedRequest,
    HTTPCapture,
    configure_plugin,
    enable_plugin,
    plugin_context,
)

PLUGIN = "chinwag-elasticsearch"

Answer = Callable[[str, str, list[Any]], tuple[int, Any]]


def _lines(request: CapturedRequest) -> list[Any]:
    """A request's body as a cluster reads it: one JSON document a line (``_bulk``'s NDJSON)."""
    return [json.loads(line) for line in request.body.decode().splitlines() if line.strip()]


def _bulks(server: HTTPCapture) -> list[list[Any]]:
    return [_lines(r) for r in server.requests if r.path.startswith("/_bulk")]


@pytest.fixture
def scripted(http_capture: Callable[..., HTTPCapture]) -> Callable[[Answer], HTTPCapture]:
    """-> ``scripted(answer) -> HTTPCapture``: a loopback cluster whose ``answer(method, path,
    body_lines)`` decides each reply; it keeps every request."""
    return lambda answer: http_capture(lambda r: answer(r.method, r.path, _lines(r)))


def _item(status: int, error: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"_index": "chinwag-events-2026.12", "status": status}
    if error:
        result["error"] = {"type": error, "reason": "quotes the document: secret"}
    return {"index": result}


def _events(n: int) -> list[AnalyticsEvent]:
    now = datetime.now(UTC)
    return [
        AnalyticsEvent(
            "message.sent",
            1,
            5,
            {"conversation_id": 2, "author_kind": "visitor", "seq": i + 1},
            now,
            "b" * 32,
        )
        for i in range(n)
    ]


def test_only_the_retryable_items_are_sent_again_and_refused_ones_are_logged(
    chinwag_app: Any,
    scripted: Callable[[Answer], HTTPCapture],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(sink_module, "RESEND_PAUSE_SECONDS", 0.0)
    answers = [
        [
            _item(201),
            _item(429, "es_rejected_execution_exception"),
            _item(400, "mapper_parsing_exception"),
            _item(503, "unavailable_shards_exception"),
        ],
        [_item(201), _item(429, "es_rejected_execution_exception")],
        [_item(200)],
    ]

    def answer(method: str, path: str, body: list[Any]) -> tuple[int, Any]:
        if path.startswith("/_bulk"):
            return 200, {"errors": True, "took": 1, "items": answers.pop(0)}
        return 200, {"acknowledged": True}

    server = scripted(answer)
    enable_plugin(chinwag_app, PLUGIN)
    configure_plugin(chinwag_app, PLUGIN, url=server.url)
    events = _events(4)
    with chinwag_app.app_context():
        ElasticsearchSink().track_batch(plugin_context(chinwag_app, PLUGIN), events)
    first, second, third = _bulks(server)
    seqs = [[line["seq"] for line in bulk if "seq" in line] for bulk in (first, second, third)]
    # all four; then the 429 and the 503 (not the 400); then the one still busy
    assert seqs == [[1, 2, 3, 4], [2, 4], [4]]
    assert not answers
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused == [
        "elasticsearch: a message.sent document was refused (mapper_parsing_exception); not retried"
    ]
    assert "secret" not in caplog.text


def test_items_still_busy_after_the_job_s_resends_fail_the_batch(
    chinwag_app: Any, scripted: Callable[[Answer], HTTPCapture], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink_module, "RESEND_PAUSE_SECONDS", 0.0)

    def answer(method: str, path: str, body: list[Any]) -> tuple[int, Any]:
        if path.startswith("/_bulk"):
            return 200, {"errors": True, "items": [_item(429, "busy") for _ in body[::2]]}
        return 200, {"acknowledged": True}

    server = scripted(answer)
    enable_plugin(chinwag_app, PLUGIN)
    configure_plugin(chinwag_app, PLUGIN, url=server.url)
    with chinwag_app.app_context(), pytest.raises(ClusterError, match="retryable"):
        ElasticsearchSink().track_batch(plugin_context(chinwag_app, PLUGIN), _events(2))
    assert len(_bulks(server)) == sink_module.ATTEMPTS_IN_JOB  # then the host's back-off


def test_credentials_tls_and_the_legacy_template_api(
    scripted: Callable[[Answer], HTTPCapture],
) -> None:
    def answer(method: str, path: str, body: list[Any]) -> tuple[int, Any]:
        if path.startswith("/_index_template"):  # Elasticsearch before 7.8
            return 404, {"error": {"type": "invalid_index_name_exception"}, "status": 404}
        return 200, {"acknowledged": True}

    server = scripted(answer)
    basic = Cluster({"url": server.url + "/", "username": "chinwag", "password": "s3cret"})
    assert basic.put_template("chinwag-events", {"a": 1}, {"b": 2}) == "_template"
    assert [(r.method, r.path, _lines(r)) for r in server.requests] == [
        ("PUT", "/_index_template/chinwag-events", [{"a": 1}]),
        ("PUT", "/_template/chinwag-events", [{"b": 2}]),
    ]
    token = base64.b64encode(b"chinwag:s3cret").decode()
    assert server.requests[0].headers["Authorization"] == f"Basic {token}"
    assert server.requests[0].headers["Content-Type"] == "application/json"

    keyed = Cluster({"url": server.url, "username": "ignored", "api_key": "a2V5OnNlY3JldA=="})
    keyed.request("GET", "/")
    assert server.requests[-1].headers["Authorization"] == "ApiKey a2V5OnNlY3JldA=="

    assert Cluster({"url": server.url, "verify_tls": False}).http.verify is False
    assert Cluster({"url": server.url, "ca_certs": "/etc/ca.pem"}).http.verify == "/etc/ca.pem"
    assert Cluster({"url": server.url}).http.verify is True

    down = Cluster({"url": "http://127.0.0.1:9", "timeout_seconds": 2})
    with pytest.raises(ClusterError) as err:
        down.request("GET", "/")
    assert err.value.status is None


def test_settings_are_validated_and_secrets_never_shown(
    chinwag_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    from marshmallow import ValidationError

    for bad in (
        {"url": "ftp://x"},
        {"index_prefix": "Chinwag"},
        {"index_period": "week"},
        {"timeout_seconds": 0},
    ):
        with pytest.raises(ValidationError):
            configure_plugin(chinwag_app, PLUGIN, **bad)
    configure_plugin(
        chinwag_app,
        PLUGIN,
        url="https://search.example:9200",
        password="hunter22",
        api_key="a2V5OnNlY3JldA==",
    )
    res = chinwag_client.get(
        f"/api/v1/plugins/{PLUGIN}", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert "hunter22" not in text and "a2V5OnNlY3JldA==" not in text
    assert res.get_json()["enabled"] is False  # off until an admin switches it on


def test_a_secret_can_come_from_the_environment(
    chinwag_app: Any, scripted: Callable[[Answer], HTTPCapture], monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(method: str, path: str, body: list[Any]) -> tuple[int, Any]:
        if path.startswith("/_bulk"):
            return 200, {"errors": False, "items": [_item(201) for _ in body[::2]]}
        return 200, {"acknowledged": True}

    server = scripted(answer)
    monkeypatch.setenv("CHINWAG_ELASTICSEARCH_API_KEY", "ZnJvbTplbnY=")
    enable_plugin(chinwag_app, PLUGIN)
    configure_plugin(chinwag_app, PLUGIN, url=server.url)  # no key stored
    with chinwag_app.app_context():
        ElasticsearchSink().track_batch(plugin_context(chinwag_app, PLUGIN), _events(1))
    assert {r.headers.get("Authorization") for r in server.requests} == {"ApiKey ZnJvbTplbnY="}
