"""Fixtures of the widget-feature tests: the test plugin ``chinwag-helpdesk`` (tests/plugins/helpdesk)
built and pip-installed like a third-party plugin, and a live server that loads it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "helpdesk"


@pytest.fixture(scope="session")
def helpdesk_site(tmp_path_factory: Any) -> Path:
    """A site directory holding the installed ``chinwag-helpdesk`` wheel (for ``PYTHONPATH``)."""
    root = tmp_path_factory.mktemp("helpdesk")
    wheels, target = root / "wheels", root / "site-packages"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(PLUGIN)],
        check=True,
        timeout=180,
    )
    wheel = max(wheels.glob("chinwag_helpdesk-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, timeout=180
    )
    return target


def toggle(server: Any, token: str, name: str, enabled: bool) -> None:
    res = requests.patch(
        f"{server.url}/api/v1/plugins/{name}",
        json={"enabled": enabled},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text


def received(server: Any, token: str) -> list[dict[str, Any]]:
    res = requests.get(
        f"{server.url}/api/v1/plugins/chinwag-helpdesk/received",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return list(res.json())


def eventually(predicate: Callable[[], Any], page: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


@pytest.fixture
def features_server(live_server: Any, widget_build: dict[str, Any], helpdesk_site: Path) -> Any:
    """A live server (gevent) with the built widget and ``chinwag-helpdesk`` installed (disabled)."""
    return live_server(PYTHONPATH=str(helpdesk_site))
