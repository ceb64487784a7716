"""Privacy requests as an admin or operator makes them: find a visitor, download one archive
(JSON + files), erase them (audited without the erased data), from REST and from the CLI; and
``chinwag plugins list/check`` flag a plugin that keeps tables but implements no PrivacyHandler."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from chinwag_plugin_api import (
    ExportedFile,
    Model,
    PluginContext,
    PluginInfo,
    PrivacyHandler,
    Responder,
    VisitorRef,
)
from click.testing import CliRunner
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

STORED: dict[int, bytes] = {}


class Diary(PrivacyHandler):
    """A plugin that keeps one file per visitor, outside the database."""

    def export(self, ctx: PluginContext, visitor: VisitorRef) -> dict[str, Any]:
        return {"pages": 1 if visitor.id in STORED else 0, "archive_path": "diary/page.txt"}

    def export_files(self, ctx: PluginContext, visitor: VisitorRef) -> Iterable[ExportedFile]:
        if visitor.id in STORED:
            yield ExportedFile(
                "diary/page.txt", lambda: io.BytesIO(STORED[visitor.id]), "text/plain"
            )
            yield ExportedFile("../escape.txt", lambda: io.BytesIO(b"no"))

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        STORED.pop(visitor.id, None)


class LedgerBot(Responder):
    """A plugin with a table and no privacy handler (what the checks must flag)."""

    def respond(self, ctx: PluginContext, conversation: Any, message: Any) -> None:
        return None


def _admin(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _conversation(socket_client: Any, site: dict[str, Any], session: dict[str, Any]) -> None:
    v = socket_client(
        "/widget", {"site_key": site["site_key"], "visitor_token": session["visitor_token"]}
    )
    ack = v.emit(
        "message.send",
        {"client_msg_id": "a", "text": "my card is in the post"},
        namespace="/widget",
        callback=True,
    )
    assert ack["ok"], ack


def test_find_download_archive_and_erase(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    visitor_session: Any,
    demo_site: dict[str, Any],
    socket_client: Any,
) -> None:
    from chinwag.extensions import db
    from chinwag.models import AuditEntry, Conversation, Message, Visitor, VisitorToken

    host = chinwag_app.extensions["chinwag"].plugins
    host.register_test_plugin("diary", PluginInfo("Diary"), {PrivacyHandler.namespace: [Diary]})
    s = visitor_session(email="Ada@Example.com", name="Ada Lovelace")
    other = visitor_session(email="grace@example.com")
    vid = s["visitor_id"]
    STORED[vid] = b"dear diary"
    _conversation(socket_client, demo_site, s)
    h = _admin(admin_token)

    found = chinwag_client.get("/api/v1/visitors?email=ada@example.COM", headers=h).get_json()
    assert [v["id"] for v in found] == [vid] and found[0]["name"] == "Ada Lovelace"
    by_id = chinwag_client.get(f"/api/v1/visitors?visitor_id={other['visitor_id']}", headers=h)
    assert [v["email"] for v in by_id.get_json()] == ["grace@example.com"]
    nothing = chinwag_client.get("/api/v1/visitors", headers=h)
    assert nothing.status_code == 400 and nothing.get_json()["error"]["code"] == "validation_error"
    unknown = chinwag_client.get("/api/v1/visitors?name=Ada", headers=h)
    assert unknown.status_code == 400

    res = chinwag_client.get(f"/api/v1/visitors/{vid}/export.zip", headers=h)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    assert f"chinwag-visitor-{vid}.zip" in res.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(res.data))
    assert archive.read("files/diary/diary/page.txt") == b"dear diary"
    assert not [n for n in archive.namelist() if "escape" in n]
    data = json.loads(archive.read("export.json"))
    assert data["visitor"]["email"] == "Ada@Example.com"
    assert [m["text"] for m in data["conversations"][0]["messages"]] == ["my card is in the post"]
    assert data["plugins"]["diary"] == {"pages": 1, "archive_path": "diary/page.txt"}
    assert data["archive"]["files"] == [
        {
            "plugin": "diary",
            "path": "files/diary/diary/page.txt",
            "content_type": "text/plain",
            "size": 10,
        }
    ]
    assert data["archive"]["errors"] == [
        {"plugin": "diary", "path": "../escape.txt", "error": "bad path"}
    ]

    assert chinwag_client.delete(f"/api/v1/visitors/{vid}", headers=h).get_json() == {
        "erased": True,
        "failed_plugins": [],
    }
    assert vid not in STORED
    with chinwag_app.app_context():
        assert db.session.get(Visitor, vid) is None
        for model in (Conversation, VisitorToken):
            count = select(func.count()).select_from(model).where(model.visitor_id == vid)
            assert db.session.execute(count).scalar() == 0
        texts = db.session.execute(select(Message.text)).scalars().all()
        assert "my card is in the post" not in texts
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "visitor.erase")
        ).scalar_one()
        assert entry.target_id == str(vid)
        assert entry.details["conversations"] == 1 and entry.details["messages"] == 1
        recorded = json.dumps(entry.details) + entry.search_text
        assert "ada" not in recorded.lower() and "card" not in recorded
    # the admin's audit page shows it
    log = chinwag_client.get("/api/v1/audit?action=visitor.erase", headers=h).get_json()
    assert [e["target_id"] for e in log["entries"]] == [str(vid)]
    gone = chinwag_client.get(f"/api/v1/visitors/{vid}/export.zip", headers=h)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"


def test_only_admins_download_archives(
    chinwag_app: Any, chinwag_client: Any, visitor_session: Any
) -> None:
    from chinwag.testing import create_user, login

    create_user(chinwag_app, "agent@example.com", "agent password 1", "agent")
    token = login(chinwag_client, "agent@example.com", "agent password 1")
    vid = visitor_session()["visitor_id"]
    for path in (f"/api/v1/visitors/{vid}/export.zip", f"/api/v1/visitors?visitor_id={vid}"):
        res = chinwag_client.get(path, headers=_admin(token))
        assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    assert chinwag_client.get(f"/api/v1/visitors/{vid}/export.zip").status_code == 401


def test_cli_exports_and_erases_by_email(
    chinwag_app: Any,
    visitor_session: Any,
    demo_site: dict[str, Any],
    socket_client: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chinwag import cli as cli_module
    from chinwag.extensions import db
    from chinwag.models import AuditEntry, Visitor

    monkeypatch.setattr(cli_module, "_app", lambda: chinwag_app)
    s = visitor_session(email="cli@example.com")
    visitor_session(email="twice@example.com")
    visitor_session(email="TWICE@example.com")
    _conversation(socket_client, demo_site, s)
    runner = CliRunner()
    out = tmp_path / "out.zip"

    res = runner.invoke(
        cli_module.cli, ["privacy", "export", "--email", "cli@example.com", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "1 conversation(s)" in res.output
    data = json.loads(zipfile.ZipFile(out).read("export.json"))
    assert data["visitor"]["id"] == s["visitor_id"]

    several = runner.invoke(
        cli_module.cli, ["privacy", "erase", "--email", "twice@example.com", "--yes"]
    )
    assert several.exit_code == 1 and "2 visitors match" in several.output
    none = runner.invoke(cli_module.cli, ["privacy", "erase", "--yes"])
    assert none.exit_code == 2 and "--visitor" in none.output
    declined = runner.invoke(
        cli_module.cli, ["privacy", "erase", "--email", "cli@example.com"], input="n\n"
    )
    assert declined.exit_code == 1
    with chinwag_app.app_context():
        assert db.session.get(Visitor, s["visitor_id"]) is not None
    res = runner.invoke(
        cli_module.cli, ["privacy", "erase", "--visitor", str(s["visitor_id"]), "--yes"]
    )
    assert res.exit_code == 0, res.output
    with chinwag_app.app_context():
        assert db.session.get(Visitor, s["visitor_id"]) is None
        actors = db.session.execute(
            select(AuditEntry.actor, AuditEntry.action).where(
                AuditEntry.target_type == "visitor", AuditEntry.target_id == str(s["visitor_id"])
            )
        ).all()
        assert sorted(actors) == [("cli", "visitor.erase"), ("cli", "visitor.export")]


@pytest.fixture
def ledger_model() -> Iterator[type[Any]]:
    """A plugin model declared for one test only: it leaves the shared metadata afterwards (the
    migrations test compares that metadata with the core's and the plugins' migrations)."""
    name = f"LedgerModel{next(_models)}"
    cls = type(
        name,
        (Model,),
        {
            "__tablename__": "test_privacy_ledger",
            "__module__": __name__,
            "__annotations__": {"id": Mapped[int], "note": Mapped[str]},
            "id": mapped_column(primary_key=True),
            "note": mapped_column(String(20)),
        },
    )
    yield cls
    Model.metadata.remove(cls.__table__)


_models = itertools.count()


def test_plugins_without_privacy_handler_are_flagged(
    chinwag_app: Any, monkeypatch: pytest.MonkeyPatch, ledger_model: type[Any]
) -> None:
    from chinwag import cli as cli_module
    from chinwag.plugin_check import check_plugin, privacy_gap

    host = chinwag_app.extensions["chinwag"].plugins
    ledger = host.register_test_plugin(
        "ledger", PluginInfo("Ledger"), {Responder.namespace: [LedgerBot]}
    )
    covered = host.register_test_plugin(
        "ledger-covered",
        PluginInfo("Ledger, covered"),
        {Responder.namespace: [LedgerBot], PrivacyHandler.namespace: [Diary]},
    )
    assert privacy_gap(ledger) == ["test_privacy_ledger"] and privacy_gap(covered) == []
    results = {r.name: r for r in check_plugin(chinwag_app, "ledger")}
    assert not results["privacy"].ok and "implements no PrivacyHandler" in results["privacy"].detail
    assert {r.name: r for r in check_plugin(chinwag_app, "ledger-covered")}["privacy"].ok

    monkeypatch.setattr(cli_module, "_app", lambda: chinwag_app)
    listed = CliRunner().invoke(cli_module.cli, ["plugins", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    flagged = [
        lines[i - 1].split()[0] for i, line in enumerate(lines) if "no PrivacyHandler" in line
    ]
    assert flagged == ["ledger"]
    rows = json.loads(CliRunner().invoke(cli_module.cli, ["plugins", "list", "--json"]).output)
    assert {r["name"]: r["privacy_gap"] for r in rows}["ledger"] == ["test_privacy_ledger"]


class _NoRetention(Diary):
    """A privacy handler that erases visitors but not what it keeps per conversation."""


class _Retention(Diary):
    def erase_conversations(self, ctx: PluginContext, conversation_ids: Any) -> None:
        return None


@pytest.fixture
def seen_model() -> Iterator[type[Any]]:
    """A plugin model naming conversations by id (no foreign key into the core), for one test."""
    name = f"SeenModel{next(_models)}"
    cls = type(
        name,
        (Model,),
        {
            "__tablename__": "test_privacy_seen",
            "__module__": __name__,
            "__annotations__": {"id": Mapped[int], "last_conversation_id": Mapped[int]},
            "id": mapped_column(primary_key=True),
            "last_conversation_id": mapped_column(),
        },
    )
    yield cls
    Model.metadata.remove(cls.__table__)


def test_tables_naming_conversations_need_erase_conversations(
    chinwag_app: Any, seen_model: type[Any]
) -> None:
    """The retention job deletes conversations; a plugin whose rows name them by id and that
    implements no ``erase_conversations`` would keep those rows for ever: the check says so."""
    from chinwag.plugin_check import check_plugin, retention_gap

    host = chinwag_app.extensions["chinwag"].plugins
    forgetful = host.register_test_plugin(
        "seen",
        PluginInfo("Seen"),
        {Responder.namespace: [LedgerBot], PrivacyHandler.namespace: [_NoRetention]},
    )
    careful = host.register_test_plugin(
        "seen-careful",
        PluginInfo("Seen, careful"),
        {Responder.namespace: [LedgerBot], PrivacyHandler.namespace: [_Retention]},
    )
    assert retention_gap(forgetful) == ["test_privacy_seen.last_conversation_id"]
    assert retention_gap(careful) == []
    result = {r.name: r for r in check_plugin(chinwag_app, "seen")}["privacy"]
    assert not result.ok and "erase_conversations" in result.detail
    assert {r.name: r for r in check_plugin(chinwag_app, "seen-careful")}["privacy"].ok
