"""The plugin supply chain (issue 21, docs/security.md): installed plugins whose import raises
(an exception, or ``SystemExit``), hangs, or monkey-patches the core. The server starts, chat
works, and the admin's plugin list shows each one refused and why."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import requests
import socketio

BROKEN = {
    # the import raises: reported by the loader as before
    "chinwag-sc-raises": "raise RuntimeError('broken at import')\n",
    # ``SystemExit`` is no Exception: it used to end the server's start
    "chinwag-sc-exits": "raise SystemExit('bye')\n",
    # an import that never finishes
    "chinwag-sc-hangs": "import time\nwhile True:\n    time.sleep(1)\n",
    # replaces a method of the core: every event would be dropped (no live chat at all)
    "chinwag-sc-patches": textwrap.dedent(
        """
        import chinwag.bus

        chinwag.bus.EventBus.publish = lambda self, *events, **kw: None
        """
    ),
}


def install_fake(site: Path, name: str, source: str) -> None:
    """Install a one-module plugin distribution into ``site`` as pip would (a module and its
    ``.dist-info`` with metadata and entry points), without building a wheel."""
    module = name.replace("-", "_")
    (site / f"{module}.py").write_text(
        "from chinwag_plugin_api import PluginInfo\n"
        f"{source}\nINFO = PluginInfo(display_name={name!r})\n"
    )
    info = site / f"{module}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\nSummary: supply-chain case\n"
        "Requires-Dist: chinwag-plugin-api>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(f"[chinwag.plugins]\n{module} = {module}:INFO\n")
    (info / "RECORD").write_text("")


def test_plugins_that_raise_hang_or_patch_the_core_are_refused(
    live_server: Any, tmp_path: Path
) -> None:
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    for name, source in BROKEN.items():
        install_fake(site_dir, name, source)
    server = live_server(PYTHONPATH=str(site_dir), CHINWAG_PLUGIN_IMPORT_TIMEOUT_SECONDS="2")

    token = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    ).json()["access_token"]
    rows = requests.get(
        f"{server.url}/api/v1/plugins", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    seen = {p["name"]: p for p in rows if p["name"] in BROKEN}
    assert set(seen) == set(BROKEN)
    errors = {name: " ".join(p["load_errors"]) for name, p in seen.items()}
    assert "broken at import" in errors["chinwag-sc-raises"]
    assert "SystemExit('bye')" in errors["chinwag-sc-exits"]
    assert "did not finish within 2 s" in errors["chinwag-sc-hangs"]
    assert "chinwag.bus.EventBus.publish" in errors["chinwag-sc-patches"]
    assert "the patches are undone" in errors["chinwag-sc-patches"]
    for name in ("chinwag-sc-exits", "chinwag-sc-hangs", "chinwag-sc-patches"):
        assert seen[name]["loaded"] is False, seen[name]

    # chat works: the visitor's message is stored and delivered live (the patch is undone)
    site = server.extra["site"]
    session = requests.post(
        f"{server.url}/api/v1/widget/session", json={"site_key": site["site_key"]}, timeout=10
    ).json()
    visitor = socketio.SimpleClient()
    visitor.connect(
        server.url,
        namespace="/widget",
        transports=["websocket"],
        auth={"site_key": site["site_key"], "visitor_token": session["visitor_token"]},
        headers={"Origin": server.url},
    )
    ack = visitor.call("message.send", {"client_msg_id": "sc1", "text": "still here"}, timeout=15)
    assert ack["ok"], ack
    while True:
        event, data = visitor.receive(timeout=15)
        if event == "message.new" and data["message"]["text"] == "still here":
            break
    visitor.disconnect()
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
