"""A throwaway third-party plugin, built and pip-installed like any other, proves the host:
listed, enabled live, its route and bot work, its failures are isolated, and a plugin
installed while the server runs is reported as needing a restart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import socketio

from chinwag.testing import run_cli

HERE = Path(__file__).parent


def pip_install(source: Path, target: Path, wheels: Path) -> None:
    """Build a wheel of ``source`` and install it into ``target`` (a site directory)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        timeout=120,
    )
    wheel = max(wheels.glob("chinwag_hello-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=120,
    )


def _login(url: str) -> dict[str, str]:
    token = requests.post(
        f"{url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _visitor(server: Any) -> socketio.SimpleClient:
    site = server.extra["site"]
    s = requests.post(
        f"{server.url}/api/v1/widget/session", json={"site_key": site["site_key"]}, timeout=10
    ).json()
    client = socketio.SimpleClient()
    client.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        auth={"site_key": site["site_key"], "visitor_token": s["visitor_token"]},
    )
    return client


def _eventually_404(url: str, within: float = 2.5) -> bool:
    """Every process re-reads plugin state within CHINWAG_PLUGIN_REFRESH_SECONDS (0.5 s here)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if requests.get(url, timeout=10).status_code == 404:
            return True
        time.sleep(0.1)
    return False


def _bot_replies(client: socketio.SimpleClient, count: int) -> list[str]:
    texts: list[str] = []
    while len(texts) < count:
        name, data = client.receive(timeout=15)
        if name == "message.new" and data["message"]["author_kind"] == "bot":
            texts.append(data["message"]["text"])
    return texts


def test_third_party_plugin_end_to_end(live_server: Any, tmp_path: Path) -> None:
    site_dir = tmp_path / "site-packages"
    pip_install(HERE / "plugins" / "hello", site_dir, tmp_path / "wheels")
    server = live_server(PYTHONPATH=str(site_dir), CHINWAG_HOOK_TIMEOUT_MS="1000")

    listed = json.loads(run_cli(server.env, "plugins", "list", "--json").stdout)
    hello = next(p for p in listed if p["name"] == "chinwag-hello")
    assert hello["version"] == "0.3.0" and hello["loaded"] and not hello["enabled"]

    h = _login(server.url)
    assert (
        requests.get(f"{server.url}/api/v1/plugins/chinwag-hello/hello", timeout=10).status_code
        == 404
    )
    res = requests.patch(
        f"{server.url}/api/v1/plugins/chinwag-hello",
        json={"enabled": True, "settings": {"greeting": "Howdy"}},
        headers=h,
        timeout=10,
    )
    assert res.status_code == 200, res.text
    assert requests.get(f"{server.url}/api/v1/plugins/chinwag-hello/hello", timeout=10).json() == {
        "greeting": "Howdy"
    }

    visitor = _visitor(server)
    ack = visitor.call("message.send", {"client_msg_id": "a", "text": "/hello world"}, timeout=15)
    conv = ack["message"]["conversation_id"]
    assert _bot_replies(visitor, 1) == ["Howdy, you said world"]

    # a bot that raises or hangs past its budget is reported; chat goes on
    for i, text in enumerate(["/boom", "/hang"]):
        ack = visitor.call(
            "message.send",
            {"conversation_id": conv, "client_msg_id": f"f{i}", "text": text},
            timeout=15,
        )
        assert ack["ok"], ack
    ack = visitor.call(
        "message.send",
        {"conversation_id": conv, "client_msg_id": "after", "text": "/hello again"},
        timeout=15,
    )
    assert ack["ok"] and _bot_replies(visitor, 1) == ["Howdy, you said again"]
    health = requests.get(
        f"{server.url}/api/v1/plugins/chinwag-hello", headers=h, timeout=10
    ).json()["health"]
    assert health["failures"] == 1 and health["timeouts"] == 1

    # the CLI, another process, reports the server's health (stored by the server every ~2 s),
    # not its own zero counters
    deadline = time.monotonic() + 15
    while True:
        rows = json.loads(run_cli(server.env, "plugins", "list", "--json").stdout)
        cli_health = next(p for p in rows if p["name"] == "chinwag-hello")["health"]
        if cli_health["calls"] >= health["calls"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert cli_health["calls"] == health["calls"] and cli_health["calls"] >= 4
    assert cli_health["failures"] == 1 and cli_health["timeouts"] == 1
    assert cli_health["processes"] == 1
    assert "HelloBot.respond" in (cli_health["last_error"] or "")
    text = run_cli(server.env, "plugins", "list").stdout
    line = next(x for x in text.splitlines() if x.startswith("chinwag-hello"))
    assert f"calls={health['calls']} failures=1 timeouts=1 processes=1" in line

    # the CLI changes state in the running server too
    run_cli(server.env, "plugins", "disable", "chinwag-hello")
    assert _eventually_404(f"{server.url}/api/v1/plugins/chinwag-hello/hello")
    visitor.disconnect()


def test_plugin_installed_while_running_needs_restart(live_server: Any, tmp_path: Path) -> None:
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    server = live_server(PYTHONPATH=str(site_dir))
    h = _login(server.url)
    names = [
        p["name"]
        for p in requests.get(f"{server.url}/api/v1/plugins", headers=h, timeout=10).json()
    ]
    assert "chinwag-hello" not in names
    pip_install(HERE / "plugins" / "hello", site_dir, tmp_path / "wheels")
    rows = requests.get(f"{server.url}/api/v1/plugins", headers=h, timeout=10).json()
    hello = next(p for p in rows if p["name"] == "chinwag-hello")
    assert hello["restart_required"] is True and hello["loaded"] is False
    server.restart()
    rows = requests.get(
        f"{server.url}/api/v1/plugins", headers=_login(server.url), timeout=10
    ).json()
    hello = next(p for p in rows if p["name"] == "chinwag-hello")
    assert hello["restart_required"] is False and hello["loaded"] is True
