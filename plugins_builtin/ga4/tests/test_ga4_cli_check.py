"""``chinwag ga4 check``: the connection check from the command line (the ``chinwag`` command
itself, in a subprocess on the test's database): it prints GA4's validation messages and exits
1 when there are any, when the plugin is not configured or when the server is down; and
``chinwag plugins check ga4`` runs it after the checks every plugin gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ga4_fake import FakeGA4

from chinwag.testing import configure_plugin

PLUGIN = "chinwag-ga4"


def _check(
    app: Any, tmp_path: Path, database_url: str, *command: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CHINWAG_INSTANCE_PATH": str(tmp_path),
        "CHINWAG_DATABASE_URL": database_url,
        "CHINWAG_SECRET_KEY": app.config["SECRET_KEY"],  # the settings' secrets are sealed with it
        "CHINWAG_ASYNC_MODE": "threading",
    }
    return subprocess.run(
        [sys.executable, "-m", "chinwag", *(command or ("ga4", "check"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_check_command_prints_what_the_validation_server_says(
    ga4_app: Any, fake_ga4: FakeGA4, tmp_path: Path, database_url: str
) -> None:
    good = _check(ga4_app, tmp_path, database_url)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"validated by {fake_ga4.url}/debug/mp/collect" in good.stdout
    assert "found nothing wrong" in good.stdout
    assert fake_ga4.debug_bodies and fake_ga4.bodies == []  # nothing was recorded
    assert fake_ga4.api_secret not in good.stdout + good.stderr

    # `chinwag plugins check ga4` runs the same check after the plugin's own checks
    checked = _check(ga4_app, tmp_path, database_url, "plugins", "check", "ga4")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok   chinwag ga4 check: passed" in checked.stdout
    assert "ok   settings schema" in checked.stdout

    configure_plugin(ga4_app, PLUGIN, api_secret="wrong")
    failed = _check(ga4_app, tmp_path, database_url, "plugins", "check", "ga4")
    assert failed.returncode == 1
    assert "VALUE_INVALID api_secret: API secret is missing or wrong." in failed.stdout
    assert "FAIL chinwag ga4 check: GA4's validation server found problems" in failed.stdout
    bad = _check(ga4_app, tmp_path, database_url)
    assert bad.returncode == 1
    assert "VALUE_INVALID api_secret: API secret is missing or wrong." in bad.stdout
    assert "found problems" in bad.stderr

    fake_ga4.down = True
    down = _check(ga4_app, tmp_path, database_url)
    assert down.returncode == 1 and "(ga4_unreachable)" in down.stderr

    configure_plugin(ga4_app, PLUGIN, api_secret="")
    unset = _check(ga4_app, tmp_path, database_url)
    assert unset.returncode == 1 and "(ga4_not_configured)" in unset.stderr
