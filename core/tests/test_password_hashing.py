"""``CHINWAG_PASSWORD_HASHING``: test suites hash with argon2's cheapest parameters, servers with
RFC 9106's; a stored hash keeps its own parameters, so a password set under one setting still
signs in under the other, and an unknown setting is refused at start."""

from __future__ import annotations

import pytest
from flask import Flask

from chinwag.config import ConfigError, load_config
from chinwag.security import hash_password, verify_password


def _app(hashing: str) -> Flask:
    app = Flask(__name__)
    app.config["CHINWAG_PASSWORD_HASHING"] = hashing
    return app


def test_each_setting_hashes_with_its_parameters_and_verifies_the_other() -> None:
    with _app("standard").app_context():
        standard = hash_password("correct horse battery")
    with _app("cheapest").app_context():
        cheap = hash_password("correct horse battery")
        assert verify_password(standard, "correct horse battery")
        assert not verify_password(standard, "wrong horse battery")
    assert "$m=65536,t=3,p=4$" in standard
    assert "$m=8,t=1,p=1$" in cheap
    with _app("standard").app_context():
        assert verify_password(cheap, "correct horse battery")
        assert not verify_password(cheap, "wrong")
        assert not verify_password(None, "anything")


def test_an_unknown_setting_is_refused(tmp_path: object) -> None:
    env = {"CHINWAG_INSTANCE_PATH": str(tmp_path), "CHINWAG_PASSWORD_HASHING": "md5"}
    with pytest.raises(ConfigError, match="must be standard or cheapest, not 'md5'"):
        load_config(env)
