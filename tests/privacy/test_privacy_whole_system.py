"""Privacy requests and retention across the whole system (issue 19's tests): a visitor chats with
a bot, uploads a picture and rates the answer, with analytics on. Their export holds each; once
erased, no table names them or their conversation (every table of the core and of every plugin,
found by reading the schema, not by a list that could miss one), their files are gone from local
storage and the admin's audit log shows the erasure. Retention does the same to a conversation
older than the window, and keeps one on legal hold with everything of it."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Integer, column, func, inspect, select, table

from chinwag.testing import FakeClock, deliver_analytics, enable_plugin, login, run_jobs

MEDIA = "/api/v1/plugins/chinwag-media"
PLUGINS = ("chinwag-media", "chinwag-feedback", "chinwag-analytics")
#: the column names that say "this row is about that visitor / conversation"
SUFFIXES = {"visitor": "visitor_id", "conversation": "conversation_id"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _naming(app: Any, kind: str, ids: set[int]) -> dict[str, int]:
    """Rows per table (``table.column``) of any INTEGER column ending in ``visitor_id`` /
    ``conversation_id`` whose value is one of ``ids``; the table itself counts by ``id``."""
    from chinwag.extensions import db

    suffix = SUFFIXES[kind]
    found: dict[str, int] = {}
    with app.app_context():
        schema = inspect(db.engine)
        own = f"{kind}s"
        for name in schema.get_table_names():
            for info in schema.get_columns(name):
                key = str(info["name"])
                mine = name == own and key == "id"
                if not (mine or key.endswith(suffix)) or not isinstance(info["type"], Integer):
                    continue
                rows = table(name, column(key))
                stmt = select(func.count()).select_from(rows).where(rows.c[key].in_(sorted(ids)))
                count = int(db.session.execute(stmt).scalar_one())
                if count:
                    found[f"{name}.{key}"] = count
        db.session.remove()
    return found


def _media_files(app: Any) -> list[Path]:
    root = Path(app.instance_path) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def chatting(
    chinwag_app: Any, answer_bot: None, visitor_client: Callable[..., Any], chinwag_client: Any
) -> Callable[[str], Any]:
    """-> ``chat(text)``: a new visitor who sent ``text``, got the bot's answer, rated it down
    with a comment, and shared a picture in the conversation (processed)."""
    for name in PLUGINS:
        enable_plugin(chinwag_app, name)

    def chat(text: str) -> Any:
        v = visitor_client()
        assert v.send(text)["ok"]
        answer = v.wait_for_reply()
        for payload, values in (({"value": "down"}, {}), ({"step": "comment"}, {"comment": text})):
            ack = v.emit(
                "feedback.rate",
                {
                    "payload": payload,
                    "values": values,
                    "message_id": answer["id"],
                    "conversation_id": v.conversation_id,
                },
            )
            assert ack["ok"], ack
        res = chinwag_client.post(
            f"{MEDIA}/uploads",
            data={"file": (io.BytesIO(_png()), "me.png"), "conversation_id": v.conversation_id},
            headers=v.headers,
            content_type="multipart/form-data",
        )
        assert res.status_code == 201, res.get_json()
        run_jobs(chinwag_app)  # the picture is processed on the job queue
        deliver_analytics(chinwag_app)
        return v

    return chat


def test_export_holds_everything_and_erasure_leaves_nothing(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, chatting: Callable[[str], Any]
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    ada = chatting("where is my parcel")
    kept = chatting("a question of someone else")
    files_before = _media_files(chinwag_app)
    assert files_before  # both visitors' pictures are stored

    labelled = chinwag_client.put(
        f"/api/v1/inbox/conversations/{ada.conversation_id}/labels",
        json={"labels": ["lost-parcel"]},
        headers=h,
    )
    assert labelled.status_code == 200, labelled.get_json()
    export = chinwag_client.get(f"/api/v1/visitors/{ada.visitor_id}/export", headers=h).get_json()
    [conv] = export["conversations"]
    assert conv["labels"] == ["lost-parcel"]  # what agents derived about her is hers too
    assert [m["text"] for m in conv["messages"]][:2] == [
        "where is my parcel",
        "Answer to: where is my parcel",
    ]
    plugins = export["plugins"]
    assert [f["name"] for f in plugins["chinwag-media"]["files"]] == ["me.png"]
    [rating] = plugins["chinwag-feedback"]["ratings"]
    assert (rating["value"], rating["comment"]) == ("down", "where is my parcel")
    assert "chinwag-analytics" in plugins
    # the analytics plugin holds per-conversation facts about Ada until she is erased
    assert "analytics_conversations.visitor_id" in _naming(chinwag_app, "visitor", {ada.visitor_id})

    res = chinwag_client.delete(f"/api/v1/visitors/{ada.visitor_id}", headers=h)
    assert res.get_json() == {"erased": True, "failed_plugins": []}
    assert _naming(chinwag_app, "visitor", {ada.visitor_id}) == {}
    assert _naming(chinwag_app, "conversation", {ada.conversation_id}) == {}
    # the other visitor keeps everything, their picture included
    assert _naming(chinwag_app, "visitor", {kept.visitor_id})["feedback_ratings.visitor_id"] == 1
    left = _media_files(chinwag_app)
    assert left and len(left) < len(files_before)
    kept_export = chinwag_client.get(f"/api/v1/visitors/{kept.visitor_id}/export", headers=h)
    assert len(kept_export.get_json()["plugins"]["chinwag-media"]["files"]) == 1
    log = chinwag_client.get("/api/v1/audit?action=visitor.erase", headers=h).get_json()
    assert [e["target_id"] for e in log["entries"]] == [str(ada.visitor_id)]
    assert "parcel" not in str(log)


def test_retention_leaves_nothing_of_an_expired_conversation_and_keeps_a_held_one(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, chatting: Callable[[str], Any]
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    old = chatting("an old question")
    held = chatting("a question under legal hold")
    site_id = chinwag_client.get("/api/v1/sites", headers=h).get_json()[0]["id"]
    window = {"conversation_days": 30, "visitor_inactive_days": None}
    res = chinwag_client.put(f"/api/v1/sites/{site_id}/retention", json=window, headers=h)
    assert res.status_code == 200, res.get_json()
    hold = chinwag_client.put(
        f"/api/v1/conversations/{held.conversation_id}/legal-hold",
        json={"reason": "case 9"},
        headers=h,
    )
    assert hold.status_code == 200, hold.get_json()
    before = _naming(chinwag_app, "conversation", {held.conversation_id})
    assert before["feedback_ratings.conversation_id"] == 1
    assert before["media_files.conversation_id"] == 1
    files = len(_media_files(chinwag_app))

    with FakeClock(datetime.now(UTC) + timedelta(days=31)):
        token = login(chinwag_client, "admin@example.com", "correct horse battery")
        url = f"/api/v1/sites/{site_id}/retention"
        preview = chinwag_client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert preview.get_json()["next_run"]["conversations"] == 1
        run_jobs(chinwag_app, scheduled=True)

    # all that is left of it: the analytics plugin's timing row, for the medians, nameless
    left = _naming(chinwag_app, "conversation", {old.conversation_id})
    assert left == {"analytics_conversations.conversation_id": 1}
    # the visitor stays (no inactivity window), with nothing of the conversation
    remains = {"visitors.id": 1, "visitor_tokens.visitor_id": 1}
    assert _naming(chinwag_app, "visitor", {old.visitor_id}) == remains
    assert _naming(chinwag_app, "conversation", {held.conversation_id}) == before
    assert 0 < len(_media_files(chinwag_app)) < files
