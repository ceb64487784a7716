"""The widget in Chromium: URL rules across single-page-app navigations, identity (identify,
reset, an expired verified session), the visitor's conversations, and the admin's live preview."""

from __future__ import annotations

import sqlite3
from typing import Any

import requests
from widget_helpers import (
    admin_token,
    axe_violations,
    chat_frame,
    embed_on_host,
    identity_token,
    launcher,
    patch_site,
)


def test_url_rules_follow_single_page_navigation(
    page: Any, widget_server: Any, host_page: Any
) -> None:
    server = widget_server
    host = host_page(server)
    patch_site(
        server,
        admin_token(server),
        allowed_origins=[server.url, host.origin],
        widget_settings={
            "show_on": ["/shop*"],
            "hide_on": ["/shop/private*", "*://*/shop/sale?ref=*"],
        },
    )
    page.goto(host.origin + "/")
    page.wait_for_function("() => window.events.some(e => e[0] === 'ready')")
    assert not launcher(page).is_visible()
    # the host page wraps history itself; the widget must not get in its way
    page.evaluate(
        """() => {
        window.pushes = 0;
        const push = history.pushState;
        history.pushState = function (...a) { window.pushes++; return push.apply(this, a); };
    }"""
    )

    def nav(js: str, visible: bool) -> None:
        page.evaluate(js)
        launcher(page).wait_for(state="visible" if visible else "hidden")

    nav("() => history.pushState({}, '', '/shop/shoes')", True)
    nav("() => history.pushState({}, '', '/shop/private/orders')", False)
    nav("() => history.back()", True)  # popstate
    nav("() => history.replaceState({}, '', '/shop/sale?ref=mail')", False)
    nav("() => history.replaceState({}, '', '/shop/sale')", True)
    nav("() => history.pushState({}, '', '/about')", False)
    assert page.evaluate("() => [window.pushes, location.pathname]") == [3, "/about"]
    assert page.evaluate("() => window.events.filter(e => e[0] === 'ready').length") == 1


class _Db:
    """The live server's SQLite database, read (and tokens expired) the way an operator could."""

    def __init__(self, server: Any) -> None:
        self.path = server.env["CHINWAG_DATABASE_URL"].removeprefix("sqlite:///")

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        db = sqlite3.connect(self.path)
        try:
            rows = db.execute(sql).fetchall()
            db.commit()
            return rows
        finally:
            db.close()

    def visitors(self) -> list[tuple[int, bool, str | None]]:
        rows = self._run("SELECT id, verified, external_id FROM visitors ORDER BY id")
        return [(i, bool(v), e) for i, v, e in rows]

    def expire_tokens(self) -> None:
        self._run("UPDATE visitor_tokens SET expires_at = '2000-01-01 00:00:00.000000'")


def test_identify_expired_identity_and_reset(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    ada = identity_token(server.extra["site"]["identity_secret"], "user-1", "Ada")
    db = _Db(server)
    staff = agent(server, token)
    sessions: list[str] = []
    page.on("request", lambda r: "/widget/session" in r.url and sessions.append(r.post_data))
    identify = "t => Chinwag('identify', {token: t})"

    page.goto(host.origin)
    page.evaluate(identify, ada)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "hello as Ada")
    frame.press("#cw-input", "Enter")
    staff.wait_for(lambda: staff.messages())
    [(ada_id, verified, sub)] = db.visitors()
    assert (verified, sub) == (True, "user-1")

    # Ada's visitor token runs out and this page load does not call identify: the widget waits
    # for an identity instead of turning her into a new anonymous visitor in the background
    db.expire_tokens()
    refused: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: "44/widget," in str(f) and refused.append(f)),
    )
    page.reload()
    launcher(page).wait_for()
    staff.wait_for(lambda: refused, page=page)  # the returning visitor's handshake was refused
    page.wait_for_timeout(2500)  # longer than the widget's renewal delay (1 s)
    assert db.visitors() == [(ada_id, True, "user-1")]
    # the page identifies late: Ada is back with her history, still one visitor
    page.evaluate(identify, ada)
    launcher(page).click()
    frame = chat_frame(page)
    frame.locator(".cw-mine", has_text="hello as Ada").wait_for()
    assert db.visitors() == [(ada_id, True, "user-1")]
    assert all("identity" in (body or "") for body in sessions)

    # expired again and no identify at all, and the visitor opens the chat: Ada is treated as
    # logged out; a new anonymous visitor starts without her history
    db.expire_tokens()
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    staff.wait_for(lambda: len(db.visitors()) == 2, page=page)
    anon_id, verified, sub = db.visitors()[1]
    assert (verified, sub) == (False, None)
    frame.locator("#cw-input").wait_for()
    frame.fill("#cw-input", "hello anonymous")
    frame.press("#cw-input", "Enter")
    staff.wait_for(lambda: len(staff.messages()) == 2, page=page)
    assert frame.locator(".cw-mine", has_text="hello as Ada").count() == 0
    # identify while the panel is open: Ada's history again, the anonymous one gone
    page.evaluate(identify, ada)
    frame.locator(".cw-mine", has_text="hello as Ada").wait_for()
    frame.locator(".cw-mine", has_text="hello anonymous").wait_for(state="detached")
    key = f"chinwag:{server.extra['site']['site_key']}:session"
    stored = frame.evaluate("k => JSON.parse(localStorage.getItem(k))", key)
    assert stored["visitor_id"] == ada_id and stored["verified"] is True

    # reset (the user logs out): history gone, a new anonymous visitor, identity forgotten
    page.evaluate("() => Chinwag('reset')")
    frame.locator(".cw-mine", has_text="hello as Ada").wait_for(state="detached")
    staff.wait_for(lambda: len(db.visitors()) == 3, page=page)
    new_id, verified, _ = db.visitors()[2]
    assert not verified
    frame.wait_for_function(
        "([k, id]) => JSON.parse(localStorage.getItem(k))?.visitor_id === id", arg=[key, new_id]
    )
    assert frame.locator(".cw-msg.cw-mine").count() == 0
    assert anon_id != new_id


def test_end_new_list_and_reopen_conversations(
    page: Any, widget_server: Any, host_page: Any, agent: Any
) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page)
    staff = agent(server, token)
    page.goto(host.origin)
    launcher(page).click()
    frame = chat_frame(page)
    frame.fill("#cw-input", "first question")
    frame.press("#cw-input", "Enter")
    first = staff.wait_for(lambda: staff.messages())[0]["conversation_id"]

    # the visitor ends the conversation: the agent hears of it, the composer goes away
    frame.get_by_role("button", name="End conversation").click()
    frame.get_by_role("group", name="End this conversation?", exact=False).get_by_role(
        "button", name="End it"
    ).click()
    frame.get_by_text("This conversation has ended.").wait_for()
    assert frame.locator("#cw-input").count() == 0
    staff.wait_for(
        lambda: [
            d
            for e, d in staff.events
            if e == "conversation.update"
            and d["conversation"]["id"] == first
            and d["conversation"]["status"] == "closed"
        ]
    )

    # a new conversation
    frame.locator(".cw-new").click()
    frame.fill("#cw-input", "second question")
    frame.press("#cw-input", "Enter")
    staff.wait_for(lambda: len(staff.messages()) == 2)
    second = staff.messages()[1]["conversation_id"]
    assert second != first
    assert frame.locator(".cw-mine", has_text="first question").count() == 0

    # the list: newest first, the current one marked; reopening the past one shows its history
    frame.get_by_role("button", name="Your conversations").click()
    items = frame.get_by_role("navigation", name="Your conversations").get_by_role("listitem")
    items.nth(1).wait_for()
    texts = items.all_inner_texts()
    assert texts[0].startswith(f"Conversation {second} · Open")
    assert texts[1].startswith(f"Conversation {first} · Ended")
    assert items.nth(0).get_by_role("button").get_attribute("aria-current") == "true"
    assert axe_violations(page) == []
    items.nth(1).get_by_role("button").click()
    frame.locator(".cw-mine", has_text="first question").wait_for()
    frame.get_by_text("This conversation has ended.").wait_for()
    frame.get_by_role("button", name="Your conversations").click()
    frame.get_by_role("button", name=f"Conversation {second}").click()
    frame.locator(".cw-mine", has_text="second question").wait_for()
    staff.say(second, "an answer to the second")
    frame.locator(".cw-theirs", has_text="an answer to the second").wait_for()

    # a reload comes back to the conversation the visitor was in
    page.reload()
    launcher(page).click()
    frame = chat_frame(page)
    frame.locator(".cw-theirs", has_text="an answer to the second").wait_for()
    assert frame.locator(".cw-mine", has_text="first question").count() == 0
    # and "New conversation" from the list starts an empty one
    frame.get_by_role("button", name="Your conversations").click()
    frame.get_by_role("navigation").get_by_role("button", name="New conversation").click()
    frame.locator("#cw-input").wait_for()
    assert frame.locator(".cw-log .cw-mine").count() == 0


DESIGNER = """<!doctype html><html lang="en"><head><title>Designer</title></head><body>
<iframe id="preview" title="Widget preview" src="/chat/{key}?preview=1"></iframe>
<script>
window.got = [];
addEventListener("message", (e) => {
  if (e.origin === location.origin && e.source === document.getElementById("preview").contentWindow)
    window.got.push(e.data);
});
</script></body></html>"""


def test_live_preview_of_unsaved_settings(page: Any, widget_server: Any, host_page: Any) -> None:
    server = widget_server
    token, host = embed_on_host(server, host_page, strict=False)
    key = server.extra["site"]["site_key"]
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    # a stand-in for the admin's designer page, on Chinwag's own origin
    page.route(
        f"{server.url}/designer-test",
        lambda route: route.fulfill(content_type="text/html", body=DESIGNER.replace("{key}", key)),
    )
    page.goto(f"{server.url}/designer-test")
    page.wait_for_function("() => window.got.some(m => m.type === 'chinwag:v1:ready')")
    preview = page.frame_locator("#preview")
    preview.get_by_role("heading", name="Support").wait_for()
    page.evaluate(
        """origin => document.getElementById('preview').contentWindow.postMessage({
            type: 'chinwag:v1:preview',
            settings: {brand_color: '#8a0000', team_name: 'Preview team', greeting: 'Salut !',
                       locale: 'fr', theme: 'dark', corner_radius: 99, evil: 1,
                       avatar_url: 'javascript:alert(1)', show_on: ['/ok', 7]}}, origin)""",
        server.url,
    )
    preview.get_by_role("heading", name="Preview team").wait_for()
    page.wait_for_function("() => window.got.some(m => m.type === 'chinwag:v1:previewed')")
    [ack] = page.evaluate("() => window.got.filter(m => m.type === 'chinwag:v1:previewed')")
    assert sorted(ack["rejected"]) == ["avatar_url", "corner_radius", "evil", "show_on"]
    frame = page.frame_locator("#preview").locator(":root")
    style = frame.evaluate(
        """el => [getComputedStyle(el).getPropertyValue('--cw-brand'),
                  getComputedStyle(el).getPropertyValue('--cw-radius'), el.lang, el.dataset.theme]"""
    )
    assert style == ["#8a0000", "12px", "fr", "dark"]
    preview.get_by_text("Salut !").wait_for()
    assert preview.get_by_role("button", name="Envoyer").count() == 1
    assert [v for v in axe_violations(page) if "/chat/" in v["frame"]] == []
    # a preview stores nothing, starts no session and opens no connection; the site is unchanged
    inner = next(f for f in page.frames if "/chat/" in f.url)
    assert inner.evaluate("() => localStorage.length") == 0
    assert not [u for u in requested if "/widget/session" in u or "/socket.io/" in u]
    site = requests.get(
        f"{server.url}/api/v1/sites/{server.extra['site']['id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert site["widget_settings"].get("team_name") != "Preview team"

    # another origin may frame the widget (it is allowed) but cannot push a preview into it
    page.goto(host.origin)
    page.evaluate(
        """src => new Promise(done => {
            const f = document.createElement('iframe');
            f.id = 'other'; f.title = 'chat'; f.src = src; f.onload = done;
            document.body.append(f);
        })""",
        f"{server.url}/widget/frame/{key}?host={host.origin}&preview=1",
    )
    other = page.frame_locator("#other")
    other.get_by_role("heading", name="Support").wait_for()
    page.evaluate(
        """origin => {
            const w = document.getElementById('other').contentWindow;
            w.postMessage({type: 'chinwag:v1:preview', settings: {team_name: 'Hijacked'}}, origin);
            w.postMessage({type: 'chinwag:v1:cmd', cmd: 'setLocale', a: 'fr'}, origin);
        }""",
        server.url,
    )
    other.get_by_role("button", name="Fermer le chat").wait_for()  # the later command arrived
    assert other.get_by_role("heading", name="Support").count() == 1
