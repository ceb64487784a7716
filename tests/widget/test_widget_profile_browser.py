"""Agents as visitors see them, in Debian's Chromium with the keyboard: the agent's public name and
avatar (initials without one) on their messages, never their email, and the typing line naming
the agent who answers (the team when no one is assigned)."""

from __future__ import annotations

from typing import Any

import requests
from widget_helpers import (
    ax_live_regions,
    axe_violations,
    chat_frame,
    embed_on_host,
    launcher,
    launcher_focused,
)

FRAME = "/widget/frame/"


def _profile(server: Any, token: str, **body: Any) -> dict[str, Any]:
    res = requests.patch(
        f"{server.url}/api/v1/profile",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return dict(res.json())


def _me(server: Any, token: str) -> int:
    res = requests.get(
        f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return int(res.json()["id"])


def test_agent_name_avatar_and_typing_line(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    _profile(server, token, display_name="Ana Lima", avatar_url=None)
    staff = agent(server, token)
    page.goto(host.origin)
    launcher(page).wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function("() => document.activeElement.id === 'cw-input'")
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    conv = staff.wait_for(lambda: staff.messages(), page=page)[0]["conversation_id"]

    # nobody assigned: the typing line names the team
    staff.call("typing.set", {"conversation_id": conv, "typing": True})
    frame.get_by_text("Support is typing…").wait_for()
    staff.call("typing.set", {"conversation_id": conv, "typing": False})

    staff.call("conversation.assign", {"conversation_id": conv, "user_id": _me(server, token)})
    staff.say(conv, "Hi, I am here")
    reply = frame.locator(".cw-theirs", has_text="Hi, I am here")
    reply.wait_for()
    # the name is the text read out; the initials beside it are decoration
    assert reply.locator(".cw-who").inner_text().replace("\n", "").startswith("ALAna Lima")
    assert reply.locator(".cw-av").get_attribute("aria-hidden") == "true"
    assert "@" not in reply.inner_text()
    # the assigned agent is named in the typing line, announced as a status
    staff.call("typing.set", {"conversation_id": conv, "typing": True})
    frame.get_by_text("Ana Lima is typing…").wait_for()
    assert ("status", "Ana Lima is typing…") in ax_live_regions(page, FRAME)
    assert axe_violations(page) == []

    # with an avatar: an image with an (empty: the name is beside it) alt, not the initials
    face = server.url.replace("127.0.0.1", "localhost") + "/widget/icons.json?ana"
    _profile(server, token, avatar_url=face)
    staff.say(conv, "Now with a face")
    reply = frame.locator(".cw-theirs", has_text="Now with a face")
    reply.wait_for()
    img = reply.locator("img.cw-av")
    assert img.get_attribute("alt") == ""
    assert img.get_attribute("src") == face
    assert not reply.locator("span.cw-av").count()
    log_text = frame.get_by_role("log").inner_text()
    assert "Ana Lima" in log_text and "@example.com" not in log_text
    assert axe_violations(page) == []
