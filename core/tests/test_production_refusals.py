"""``CHINWAG_ENV=production`` refuses to start a leaky setup (docs/security.md): no secret key,
insecure cookies, a public URL without TLS. Checked on the real command in a subprocess: a clear
message, exit status 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = {
    "CHINWAG_ENV": "production",
    "CHINWAG_SECRET_KEY": "s" * 48,
    "CHINWAG_PUBLIC_URL": "https://chat.example.com",
}


def _chinwag(
    tmp_path: Path, args: list[str], **env: str | None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHINWAG_")}
    base.update(
        CHINWAG_INSTANCE_PATH=str(tmp_path),
        CHINWAG_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
        CHINWAG_JOBS_URL="memory",
        CHINWAG_HOST="127.0.0.1",
        CHINWAG_PORT="0",
    )
    for key, value in {**GOOD, **env}.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return subprocess.run(
        [sys.executable, "-m", "chinwag", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CHINWAG_SECRET_KEY": None}, "CHINWAG_SECRET_KEY must be set"),
        ({"CHINWAG_PUBLIC_URL": "http://chat.example.com"}, "must be an https:// URL"),
        ({"CHINWAG_PUBLIC_URL": None}, "CHINWAG_PUBLIC_URL must be set"),
        ({"CHINWAG_COOKIE_SECURE": "false"}, "CHINWAG_COOKIE_SECURE=false"),
        ({"CHINWAG_PASSWORD_HASHING": "cheapest"}, "CHINWAG_PASSWORD_HASHING must be standard"),
    ],
)
def test_chinwag_run_refuses_a_leaky_production_setup(
    tmp_path: Path, env: dict[str, str | None], says: str
) -> None:
    done = _chinwag(tmp_path, ["run"], **env)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "refusing to start with CHINWAG_ENV=production" in done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "secret_key").exists()  # production never writes a generated secret


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    done = _chinwag(
        tmp_path, ["run"], CHINWAG_PUBLIC_URL="http://x.example", CHINWAG_COOKIE_SECURE="false"
    )
    assert done.returncode == 1
    assert "https:// URL" in done.stderr and "CHINWAG_COOKIE_SECURE" in done.stderr


def test_a_sound_production_setup_starts(tmp_path: Path) -> None:
    done = _chinwag(tmp_path, ["db", "upgrade"])
    assert done.returncode == 0, done.stderr
    assert "database is up to date" in done.stdout
    dev = _chinwag(tmp_path, ["db", "current"], CHINWAG_ENV=None, CHINWAG_PUBLIC_URL="http://x")
    assert dev.returncode == 0, dev.stderr  # development starts with anything
