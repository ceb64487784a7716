"""The media routes in the OpenAPI document (issue 21): every route the plugin serves is listed
with its methods, the upload as ``multipart/form-data`` with its file part, and what a client
gets back matches what the document says."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from media_testkit import PREFIX, png, upload


def _schema(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return found


def test_every_media_route_is_in_the_document(chinwag_app: Any, chinwag_client: Any) -> None:
    doc = chinwag_client.get("/api/v1/openapi.json").get_json()
    served = {}
    for rule in chinwag_app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            served[path] = {m.lower() for m in rule.methods or ()} - {"head", "options"}
    assert set(served) == {
        f"{PREFIX}/uploads",
        f"{PREFIX}/uploads/direct",
        f"{PREFIX}/uploads/{{media_id}}/complete",
        f"{PREFIX}/limits",
        f"{PREFIX}/media/{{media_id}}",
        f"{PREFIX}/media/{{media_id}}/{{variant}}",
    }
    for path, methods in served.items():
        assert path in doc["paths"], path
        assert set(doc["paths"][path]) == methods, path
        for op in doc["paths"][path].values():
            assert op["summary"] and op["tags"] == ["chinwag_media"]

    up = doc["paths"][f"{PREFIX}/uploads"]["post"]
    form = _schema(doc, up["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}
    assert form["required"] == ["file"] and form["additionalProperties"] is False
    assert up["security"] == [{"bearer": []}]
    # agents name the conversation: a rule on the caller that the schema cannot state
    assert up["x-cross-field-rules"] == ["UploadForm.conversation_for_agents"]
    direct = doc["paths"][f"{PREFIX}/uploads/direct"]["post"]
    assert "application/json" in direct["requestBody"]["content"]
    limits = doc["paths"][f"{PREFIX}/limits"]["get"]
    assert [p["name"] for p in limits["parameters"]] == ["conversation_id"]
    serve = doc["paths"][f"{PREFIX}/media/{{media_id}}/{{variant}}"]["get"]
    assert "security" not in serve  # a signed link is enough on its own
    assert "token" in [p["name"] for p in serve["parameters"]]


def test_an_upload_answers_what_the_document_says(chinwag_client: Any, visitor: Any) -> None:
    doc = chinwag_client.get("/api/v1/openapi.json").get_json()
    ok = doc["paths"][f"{PREFIX}/uploads"]["post"]["responses"]["201"]
    answer = _schema(doc, ok["content"]["application/json"]["schema"])
    media_schema = _schema(doc, answer["properties"]["media"])
    res = upload(chinwag_client, png(), "dot.png", visitor()["headers"])
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert set(body) == set(answer["required"]) == {"media", "block"}
    media = body["media"]
    assert set(media) <= set(media_schema["properties"])
    assert set(media_schema["required"]) <= set(media)
    assert media_schema["properties"]["created_at"]["format"] == "date-time"
    # RFC 3339 with its offset: a client in another time zone shows the right time
    assert datetime.fromisoformat(media["created_at"]).utcoffset() is not None
    assert body["block"]["media_id"] == media["id"]


def test_upload_errors_keep_their_codes(
    chinwag_client: Any, visitor: Any, admin_token: str
) -> None:
    headers = visitor()["headers"]
    nobody = chinwag_client.post(f"{PREFIX}/uploads", data={}, content_type="multipart/form-data")
    assert nobody.status_code == 401 and nobody.get_json()["error"]["code"] == "auth_required"
    no_file = chinwag_client.post(
        f"{PREFIX}/uploads", data={}, headers=headers, content_type="multipart/form-data"
    )
    assert no_file.status_code == 400 and no_file.get_json()["error"]["code"] == "file_required"
    json_body = chinwag_client.post(f"{PREFIX}/uploads", json={"file": "x"}, headers=headers)
    assert json_body.get_json()["error"]["code"] == "file_required"
    extra = upload(chinwag_client, png(), "dot.png", headers, colour="red")
    assert extra.status_code == 400 and extra.get_json()["error"]["code"] == "validation_error"
    assert "colour" in extra.get_json()["error"]["details"]
    agent = {"Authorization": f"Bearer {admin_token}"}
    for res in (
        upload(chinwag_client, png(), "dot.png", agent),
        chinwag_client.get(f"{PREFIX}/limits", headers=agent),
    ):
        assert res.status_code == 400
        assert res.get_json()["error"]["code"] == "conversation_required"
