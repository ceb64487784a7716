"""Secrets at rest (docs/security.md): sites' identity secrets and plugins' secret settings are
stored encrypted with the keys of ``CHINWAG_DATA_KEYS``; ``chinwag secrets rotate`` re-encrypts
them with the newest key, after which the old key can go and everything still reads."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import pytest
from chinwag_plugin_api import PluginInfo, secret_field
from click.testing import CliRunner
from cryptography.fernet import Fernet, InvalidToken
from marshmallow import Schema, fields
from sqlalchemy import text

from chinwag.extensions import db
from chinwag.testing import create_site, dispose, make_app

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


class Settings(Schema):
    region = fields.String(load_default="eu")
    api_key = secret_field(load_default="")


def _raw_site(app: Any, site_id: int) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.execute(
            text("SELECT identity_secret, identity_secret_previous FROM sites WHERE id = :i"),
            {"i": site_id},
        ).one()
        return row[0], row[1]


def _raw_plugin(app: Any, name: str) -> dict[str, Any]:
    from chinwag.models import PluginState

    with app.app_context():
        db.session.expire_all()
        return dict(db.session.get(PluginState, name).settings)


def _site_secrets(app: Any, site_id: int) -> tuple[str, str | None]:
    from chinwag.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        return site.identity_secret, site.identity_secret_previous


def _token(stored: str) -> bytes:
    assert stored.startswith("enc:v1:"), stored
    return stored[len("enc:v1:") :].encode()


@pytest.fixture
def keyed_app(tmp_path: Any, database_url: str) -> Any:
    app = make_app(tmp_path, database_url, CHINWAG_DATA_KEYS=OLD)
    yield app
    dispose(app)


def test_secrets_are_encrypted_and_rotation_lets_the_old_key_go(
    keyed_app: Any, tmp_path: Any, database_url: str
) -> None:
    app = keyed_app
    site = create_site(app)
    with app.app_context():
        from chinwag.actions import rotate_identity_secret
        from chinwag.models import Site

        rotated = rotate_identity_secret(db.session.get(Site, site["id"]))
        db.session.commit()
        current, previous = rotated.identity_secret, rotated.identity_secret_previous
    assert previous == site["identity_secret"]
    raw_current, raw_previous = _raw_site(app, site["id"])
    assert current not in raw_current and site["identity_secret"] not in (raw_previous or "")
    assert Fernet(OLD.encode()).decrypt(_token(raw_current)).decode() == current

    host = app.extensions["chinwag"].plugins
    host.register_test_plugin("vault", PluginInfo("Vault", settings_schema=Settings), {})
    with app.app_context():
        from chinwag.plugins import admin

        admin.configure(host, "vault", {"api_key": "sk-live-123456", "region": "us"}, None)
    raw = _raw_plugin(app, "vault")
    assert raw["region"] == "us" and "sk-live-123456" not in raw["api_key"]
    with app.app_context():
        assert host.settings("vault")["api_key"] == "sk-live-123456"
        # the mask sent back keeps the stored (encrypted) secret, readable as before
        admin.configure(host, "vault", {"api_key": "********", "region": "eu"}, None)
        assert host.settings("vault") == {"region": "eu", "api_key": "sk-live-123456"}

    # rotate with the new key in front, through the real command
    env = {
        "CHINWAG_DATABASE_URL": app.config["CHINWAG_DATABASE_URL"],
        "CHINWAG_SECRET_KEY": app.config["SECRET_KEY"],
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "CHINWAG_JOBS_URL": "memory",
        "CHINWAG_ASYNC_MODE": "threading",
        "CHINWAG_DATA_KEYS": f"{NEW},{OLD}",
    }
    from chinwag.cli import cli

    with mock.patch.dict(os.environ, env):
        done = CliRunner().invoke(cli, ["secrets", "rotate"])
    assert done.exit_code == 0, done.output
    assert "2 site identity secret(s) and 1 plugin secret setting(s)" in done.output

    # the old key removed: everything still reads; the raw columns open with the new key only
    app.config["CHINWAG_DATA_KEYS"] = NEW
    assert _site_secrets(app, site["id"]) == (current, previous)
    with app.app_context():
        host.refresh_state(force=True)  # what every process does within a second
        assert host.settings("vault")["api_key"] == "sk-live-123456"
    for stored in (*_raw_site(app, site["id"]), _raw_plugin(app, "vault")["api_key"]):
        assert stored is not None
        Fernet(NEW.encode()).decrypt(_token(stored))
        with pytest.raises(InvalidToken):
            Fernet(OLD.encode()).decrypt(_token(stored))


def test_a_key_removed_too_early_is_a_clear_error_and_bad_keys_refuse_to_start(
    keyed_app: Any, tmp_path: Any
) -> None:
    from chinwag.models import Site
    from chinwag.secrets_at_rest import SecretsError

    site = create_site(keyed_app)
    keyed_app.config["CHINWAG_DATA_KEYS"] = NEW  # OLD dropped before any rotation
    with keyed_app.app_context(), pytest.raises(SecretsError, match="chinwag secrets rotate"):
        db.session.get(Site, site["id"])
    from chinwag.config import ConfigError

    with pytest.raises(ConfigError, match="Fernet keys"):
        make_app(tmp_path / "bad", None, revision=None, CHINWAG_DATA_KEYS="not-a-key")


def test_without_data_keys_a_key_derived_from_the_secret_key_is_used(
    chinwag_app: Any,
) -> None:
    from chinwag.secrets_at_rest import derived_key

    site = create_site(chinwag_app)
    raw, _ = _raw_site(chinwag_app, site["id"])
    key = derived_key(chinwag_app.config["SECRET_KEY"]).encode()
    assert Fernet(key).decrypt(_token(raw)).decode() == site["identity_secret"]
    assert _site_secrets(chinwag_app, site["id"])[0] == site["identity_secret"]


def test_upgrading_encrypts_existing_secrets_and_keeps_every_row(
    tmp_path: Any, database_url: str
) -> None:
    """From 0013: a site with visitors, a conversation and a consented visitor; after the upgrade
    the identity secret is encrypted in place, nothing cascaded away, the consent became a
    record; downgrading gives the plaintext back."""
    from chinwag.consent import has_consent, history
    from chinwag.dbmigrate import downgrade
    from chinwag.testing import migrate

    app = make_app(tmp_path, database_url, revision="0013_compliance", CHINWAG_DATA_KEYS=OLD)
    try:
        with app.app_context():
            db.session.execute(
                text(
                    "INSERT INTO sites (id, name, site_key, allowed_origins, widget_settings,"
                    " identity_secret, identity_required, created_at) VALUES (1, 'Shop', 'k1',"
                    " '[]', :ws, 'plain-secret-of-the-shop', false, CURRENT_TIMESTAMP)"
                ),
                {"ws": '{"consent_required": true, "consent_version": "v1"}'},
            )
            db.session.execute(
                text(
                    "INSERT INTO visitors (id, site_id, verified, attributes, consent_version,"
                    " consent_at, created_at, last_seen_at) VALUES (1, 1, false, '{}', 'v1',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            db.session.commit()
        migrate(app)
        from chinwag.models import Site, Visitor

        raw, _ = _raw_site(app, 1)
        assert "plain-secret-of-the-shop" not in raw
        assert Fernet(OLD.encode()).decrypt(_token(raw)) == b"plain-secret-of-the-shop"
        with app.app_context():
            assert db.session.get(Site, 1).identity_secret == "plain-secret-of-the-shop"
            assert db.session.get(Visitor, 1) is not None
            assert [(r["granted"], r["version"]) for r in history(1)] == [(True, "v1")]
            assert has_consent(1)
        downgrade(app, "0013_compliance")
        assert _raw_site(app, 1) == ("plain-secret-of-the-shop", None)
    finally:
        dispose(app)
