"""User changes are one set of actions (chinwag.actions.users): the CLI, the REST API and
``chinwag.testing`` create users that are audited and announced the same way (SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api.events import Event, UserChanged
from click.testing import CliRunner
from sqlalchemy import select

from chinwag import cli as cli_module
from chinwag.actions import users
from chinwag.errors import ApiError
from chinwag.extensions import db
from chinwag.models import AuditEntry, User
from chinwag.state import state
from chinwag.testing import create_user


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def changes(chinwag_app: Any) -> list[UserChanged]:
    """Every ``user.changed`` the app's bus hands out from now on."""
    seen: list[UserChanged] = []

    def record(event: Event) -> None:
        assert isinstance(event, UserChanged)
        seen.append(event)

    state(chinwag_app).bus.subscribe(record, names=("user.changed",), label="test")
    return seen


def _creation(app: Any, user_id: int) -> AuditEntry:
    with app.app_context():
        stmt = select(AuditEntry).where(
            AuditEntry.action == "user.create", AuditEntry.target_id == str(user_id)
        )
        entry = db.session.execute(stmt).scalar_one()
        db.session.expunge(entry)
        return entry


def test_cli_and_rest_create_the_same_audit_entry_and_event(
    chinwag_app: Any,
    chinwag_client: Any,
    admin_token: str,
    changes: list[UserChanged],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli_module, "_app", lambda: chinwag_app)
    out = CliRunner().invoke(
        cli_module.cli,
        ["users", "create", "--email", "Cli@Example.com", "--password", "long enough pw"],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    rest = chinwag_client.post(
        "/api/v1/users",
        json={
            "email": "Rest@Example.com",
            "password": "long enough pw",
            "email_confirmed": True,  # the CLI's operator vouches; here the admin does
        },
        headers=_bearer(admin_token),
    )
    assert rest.status_code == 201, rest.get_json()
    with chinwag_app.app_context():
        by_email = {u.email: u for u in db.session.execute(select(User)).scalars()}
        cli_user, rest_user = by_email["cli@example.com"], by_email["rest@example.com"]
        admin_id, cli_id, rest_id = by_email["admin@example.com"].id, cli_user.id, rest_user.id
        assert (cli_user.role, cli_user.email_confirmed) == (rest_user.role, True)
        assert cli_user.password_hash and rest_user.password_hash
    from_cli, from_rest = _creation(chinwag_app, cli_id), _creation(chinwag_app, rest_id)
    assert (from_cli.actor, from_cli.actor_id) == ("cli", None)
    assert (from_rest.actor, from_rest.actor_id) == ("admin@example.com", admin_id)
    assert from_cli.details == {**from_rest.details, "email": "cli@example.com"}
    assert from_rest.details == {
        "email": "rest@example.com",
        "role": "agent",
        "email_confirmed": True,
    }
    assert changes == [
        UserChanged(None, user_id=cli_id, action="created", by=None),
        UserChanged(None, user_id=rest_id, action="created", by=f"agent:{admin_id}"),
    ]
    # a taken address is refused the same way on both paths, in any case
    again = CliRunner().invoke(
        cli_module.cli,
        ["users", "create", "--email", "REST@example.com", "--password", "long enough pw"],
    )
    assert again.exit_code != 0 and "exists" in again.output
    dup = chinwag_client.post(
        "/api/v1/users", json={"email": "cli@EXAMPLE.com"}, headers=_bearer(admin_token)
    )
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "user_exists"
    assert len(changes) == 2


def test_the_cli_validates_the_email_as_the_api_does(
    chinwag_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "_app", lambda: chinwag_app)
    out = CliRunner().invoke(
        cli_module.cli, ["users", "create", "--email", "not-an-email", "--password", "long pw 123"]
    )
    assert out.exit_code != 0 and "email" in out.output
    with chinwag_app.app_context():
        assert db.session.query(User).count() == 0


def test_testing_create_user_is_the_same_action(
    chinwag_app: Any, changes: list[UserChanged]
) -> None:
    uid = create_user(chinwag_app, "helper@example.com", "long enough pw", "agent")
    entry = _creation(chinwag_app, uid)
    assert entry.actor == "cli"
    assert entry.details == {
        "email": "helper@example.com",
        "role": "agent",
        "email_confirmed": True,
    }
    assert changes == [UserChanged(None, user_id=uid, action="created", by=None)]


def test_update_user_audits_revokes_and_announces_only_real_changes(
    chinwag_app: Any, changes: list[UserChanged]
) -> None:
    admin_id = create_user(chinwag_app, "boss@example.com", "long enough pw", "admin")
    agent_id = create_user(chinwag_app, "ann@example.com", "long enough pw", "admin")
    del changes[:]
    with chinwag_app.app_context():
        boss, ann = db.session.get(User, admin_id), db.session.get(User, agent_id)
        assert boss is not None and ann is not None
        with pytest.raises(ApiError) as refused:
            users.update_user(boss, {"role": "agent"}, actor=boss)
        assert (refused.value.code, refused.value.status) == ("cannot_change_self", 409)
        version = ann.token_version
        users.update_user(ann, {"role": "admin", "name": ann.name}, actor=boss)  # no change
        assert changes == [] and ann.token_version == version
        users.update_user(ann, {"role": "agent"}, actor=boss)  # demoted: tokens revoked
        assert ann.token_version == version + 1
        users.update_user(ann, {"disabled": True}, actor=boss)
        assert ann.token_version == version + 2
        actions = [
            e.action
            for e in db.session.execute(
                select(AuditEntry)
                .where(AuditEntry.target_id == str(agent_id))
                .order_by(AuditEntry.id)
            ).scalars()
        ]
    assert actions == ["user.create", "user.update", "user.disable"]
    by = f"agent:{admin_id}"
    assert changes == [
        UserChanged(None, user_id=agent_id, action="updated", by=by),
        UserChanged(None, user_id=agent_id, action="disabled", by=by),
    ]


def test_an_oidc_account_is_created_and_confirmed_through_the_actions(
    chinwag_app: Any, changes: list[UserChanged]
) -> None:
    with chinwag_app.app_context():
        user = users.create_user("Sso@Example.com", role="agent", email_confirmed=True, via="oidc")
        assert user.email == "sso@example.com" and user.password_hash is None
        sso_id = user.id
        invited = users.create_user("invited@example.com", role="agent")
        invited_id = invited.id
        assert users.confirm_email(invited).email_confirmed is True
        users.confirm_email(invited)  # already confirmed: nothing to say
        with pytest.raises(ApiError) as bad:
            users.create_user("x@example.com", role="owner")
        assert bad.value.code == "validation_error"
    assert _creation(chinwag_app, sso_id).details["via"] == "oidc"
    assert [(c.user_id, c.action) for c in changes] == [
        (sso_id, "created"),
        (invited_id, "created"),
        (invited_id, "updated"),
    ]
