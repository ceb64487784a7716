"""A plugin from nothing, as its author makes it: ``chinwag plugin new`` in a temporary folder, a
responder that answers "ping" with "pong", installed into its own virtualenv, its generated tests
run (and pass), a server started from that virtualenv, the plugin enabled in the admin in
Chromium, and in the widget the visitor gets "pong", clicks thumbs down, picks a reason, and the
plugin has stored both (its admin page shows them)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from chinwag.testing import chat_frame, run_cli, sign_in_admin

PLUGIN = "chinwag-ping-pong"
PING_PONG = '        if text == "ping":\n            return Reply(text="pong")\n'


def make_venv(where: Path) -> Path:
    """A virtualenv whose own site-packages holds only what is installed into it, and which sees
    this checkout's Chinwag (the running environment's site-packages, added as a site dir)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "chinwag-checkout.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def test_a_plugin_from_nothing(tmp_path: Path, live_server: Any, page: Any) -> None:
    env = {**os.environ, "CHINWAG_INSTANCE_PATH": str(tmp_path / "cli")}
    src = tmp_path / PLUGIN
    out = run_cli(env, "plugin", "new", "ping-pong", "--directory", str(src)).stdout
    assert out.startswith(f"created {PLUGIN} in {src}")

    # the author's change: answer "ping" with "pong" (the template's bot answers "hello")
    bot = src / "chinwag_ping_pong" / "bot.py"
    code = bot.read_text()
    assert '        if text == "hello":\n' in code
    bot.write_text(
        code.replace('        if text == "hello":\n', PING_PONG + '        if text == "hello":\n')
    )

    python = make_venv(tmp_path / "venv")
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*install, "-e", str(src)], check=True, timeout=300, capture_output=True)

    # its generated tests pass, in its own virtualenv
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=600"],
        cwd=src,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout

    # a server from that virtualenv lists it (installed, migrated, disabled by default)
    server = live_server(python=str(python))
    listed = run_cli(server.env, "plugins", "list", python=str(python)).stdout
    line = next(x for x in listed.splitlines() if x.startswith(PLUGIN))
    assert "0.1.0" in line and "disabled" in line
    checked = run_cli(server.env, "plugins", "check", PLUGIN, python=str(python)).stdout
    assert "FAIL" not in checked and checked.count("ok   ") == 6, checked

    # the admin enables it in the browser
    url = server.url
    sign_in_admin(page, url, "admin@example.com", "correct horse battery")
    page.goto(f"{url}/admin/plugins")
    card = page.locator(f"section[data-plugin='{PLUGIN}']")
    switch = card.get_by_role("switch")
    assert not switch.is_checked()
    switch.focus()
    page.keyboard.press("Space")
    page.get_by_role("status").filter(has_text="Ping Pong enabled").wait_for()

    # a visitor on the demo page: "ping" gets "pong", thumbs down, then a reason
    visitor = page.context.new_page()
    visitor.goto(f"{url}/demo")
    visitor.locator("chinwag-widget button.l").click()
    frame = chat_frame(visitor)
    frame.fill("#cw-input", "ping")
    frame.press("#cw-input", "Enter")
    answer = frame.locator(".cw-theirs", has_text="pong")
    answer.wait_for()
    down = answer.get_by_role("button", name="Not helpful")
    assert answer.get_by_role("button", name="Helpful", exact=True).count() == 1
    down.click()
    reasons = answer.get_by_role("group", name="What went wrong?")
    reasons.wait_for()
    # focus moved to the first reason; the keyboard picks it
    frame.wait_for_function(
        "() => document.activeElement && document.activeElement.type === 'radio'"
    )
    visitor.keyboard.press("Space")
    answer.get_by_text("Thanks for the feedback!").wait_for()

    # the plugin received both: its admin page counts them
    page.goto(f"{url}/admin/plugins/{PLUGIN}/notes")
    page.get_by_text("down: 1").wait_for()
    page.get_by_text("wrong: 1").wait_for()
