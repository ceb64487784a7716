"""Helpers (and the fixtures built on them, imported by conftest.py) for the widget's tests: the built widget, a host page on another origin with a strict
CSP, an admin token, an agent on a real python-socketio client, axe-core in every frame."""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import socketio

from chinwag.testing import chat_frame, free_port

__all__ = ["chat_frame"]  # one helper for every browser test, kept in chinwag.testing

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
STATIC = ROOT / "core" / "chinwag" / "static" / "widget"
AXE = WIDGET / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def widget_build() -> dict[str, Any]:
    """The built widget's manifest; builds it first when `make widget` has not run."""
    if not (STATIC / "manifest.json").exists() or not AXE.exists():
        if not (WIDGET / "node_modules").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WIDGET, check=True)
        subprocess.run(["npm", "run", "build"], cwd=WIDGET, check=True)
    return dict(json.loads((STATIC / "manifest.json").read_text()))


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>A shop with a strict CSP</h1>
<p>Products and things.</p>
<button type="button" id="help">Help with this page</button></main>
<script nonce="n0nce">
window.Chinwag = window.Chinwag || function () { (Chinwag.q = Chinwag.q || []).push(arguments); };
window.events = [];
["ready", "open", "close", "message", "unread"].forEach(function (name) {
  Chinwag("on", name, function (data) { window.events.push([name, data === undefined ? null : data]); });
});
document.getElementById("help").onclick = function () { Chinwag("send", "I need help with the shop"); };
</script>
<script src="{chinwag}/widget/chinwag.js" data-site="{site_key}" async></script>
</body></html>"""


class HostPage:
    """A static page served from 127.0.0.1:<port>, another origin than Chinwag's."""

    def __init__(self, html: str, csp: str | None) -> None:
        self.html = html.encode()
        self.csp = csp
        self.port = free_port()
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if page.csp:
                    self.send_header("Content-Security-Policy", page.csp)
                self.end_headers()
                self.wfile.write(page.html)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def host_page() -> Iterator[Callable[..., HostPage]]:
    """``host_page(server, strict=True)``: the widget embedded on another origin; with ``strict``
    the page's CSP allows Chinwag only in ``script-src`` and ``frame-src``."""
    pages: list[HostPage] = []

    def make(server: Any, strict: bool = True, site_key: str | None = None) -> HostPage:
        html = HOST_PAGE.replace("{chinwag}", server.url).replace(
            "{site_key}", site_key or server.extra["site"]["site_key"]
        )
        csp = (
            f"default-src 'self'; script-src 'nonce-n0nce' {server.url}; frame-src {server.url}; "
            "style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'"
            if strict
            else None
        )
        page = HostPage(html, csp)
        pages.append(page)
        return page

    yield make
    for p in pages:
        p.close()


def admin_token(server: Any) -> str:
    res = requests.post(
        f"{server.url}/api/v1/auth/login",
        json={"email": "admin@example.com", "password": "correct horse battery"},
        timeout=10,
    )
    res.raise_for_status()
    return str(res.json()["access_token"])


def patch_site(server: Any, token: str, **changes: Any) -> dict[str, Any]:
    site_id = server.extra["site"]["id"]
    res = requests.patch(
        f"{server.url}/api/v1/sites/{site_id}",
        json=changes,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    return dict(res.json())


def embed_on_host(
    server: Any, host_page: Any, strict: bool = True, **widget_settings: Any
) -> tuple[str, Any]:
    """An admin token and a host page on another origin that the site allows to embed the widget
    (with these ``widget_settings``, if any)."""
    token = admin_token(server)
    host = host_page(server) if strict else host_page(server, strict=False)
    extra = {"widget_settings": widget_settings} if widget_settings else {}
    patch_site(server, token, allowed_origins=[server.url, host.origin], **extra)
    return token, host


def identity_token(secret: str, sub: str, name: str) -> str:
    """What a site owner's backend signs for a logged-in visitor (docs/protocol.md, "Identity
    verification"), valid for ten minutes."""
    kid = hashlib.sha256(secret.encode()).hexdigest()[:16]
    claims = {"sub": sub, "name": name, "exp": int(time.time()) + 600}
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


class Agent:
    """An agent on the /agent namespace of a live server, collecting what it receives."""

    def __init__(self, server: Any, token: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.client.on("*", self._record, namespace="/agent")
        self.client.connect(
            server.url,
            namespaces=["/agent"],
            auth={"token": token},
            transports=["websocket"],
            headers={"Origin": server.url},
            wait_timeout=10,
        )
        self.n = 0

    def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))

    def messages(self, author_kind: str = "visitor") -> list[dict[str, Any]]:
        return [
            d["message"]
            for e, d in list(self.events)
            if e == "message.new" and d["message"]["author_kind"] == author_kind
        ]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15, page: Any = None) -> Any:
        """Poll ``predicate``; with ``page``, wait through Playwright so its route handlers run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if page is not None:
                page.wait_for_timeout(50)
            else:
                time.sleep(0.05)
        raise AssertionError(f"timed out; agent saw {self.events[-10:]}")

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        ack = self.client.call(event, data, namespace="/agent", timeout=10)
        assert ack["ok"], ack
        return dict(ack)

    def say(self, conversation_id: int, text: str = "", blocks: Any = None) -> dict[str, Any]:
        self.n += 1
        body: dict[str, Any] = {
            "conversation_id": conversation_id,
            "client_msg_id": f"agent-{self.n}-{time.monotonic_ns()}",
            "text": text,
        }
        if blocks is not None:
            body["blocks"] = blocks
        return self.call("message.send", body)

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def agent() -> Iterator[Callable[[Any, str], Agent]]:
    agents: list[Agent] = []

    def make(server: Any, token: str) -> Agent:
        a = Agent(server, token)
        agents.append(a)
        return a

    yield make
    for a in agents:
        a.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core into every frame of ``page`` and return every violation found."""
    source = AXE.read_text()
    found: list[dict[str, Any]] = []
    for frame in page.frames:
        if frame.url in ("", "about:blank"):
            continue
        frame.evaluate(source + "\n;0")
        result = frame.evaluate(
            """async () => (await axe.run(document, {iframes: false}))
               .violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""
        )
        found.extend({**v, "frame": frame.url} for v in result)
    return found


def launcher(page: Any) -> Any:
    return page.locator("chinwag-widget button.l")


@pytest.fixture
def widget_server(live_server: Any, widget_build: dict[str, Any]) -> Any:
    """A live Chinwag server (gevent) with the built widget."""
    return live_server()


def ax_tree(page: Any, url_part: str | None = None) -> list[dict[str, Any]]:
    """The accessibility tree Chromium exposes to screen readers (CDP
    ``Accessibility.getFullAXTree``) of the page, or of its frame whose URL contains ``url_part``:
    unignored nodes as ``{id, children, role, name, description, props}``, in document order."""
    cdp = page.context.new_cdp_session(page)
    try:
        params: dict[str, Any] = {}
        if url_part:
            tree = cdp.send("Page.getFrameTree")["frameTree"]
            stack = [tree]
            while stack:
                node = stack.pop()
                if url_part in node["frame"]["url"]:
                    params["frameId"] = node["frame"]["id"]
                    break
                stack.extend(node.get("childFrames", []))
            assert params, f"no frame with {url_part!r}"
        nodes = cdp.send("Accessibility.getFullAXTree", params)["nodes"]
    finally:
        cdp.detach()

    def value(field: Any) -> Any:
        return (field or {}).get("value")

    return [
        {
            "id": n["nodeId"],
            "children": n.get("childIds", []),
            "role": value(n.get("role")),
            "name": value(n.get("name")) or "",
            "description": value(n.get("description")) or "",
            "props": {p["name"]: value(p.get("value")) for p in n.get("properties", [])},
        }
        for n in nodes
        if not n.get("ignored")
    ]


def ax_focused(page: Any, url_part: str | None = None) -> dict[str, Any] | None:
    """The node of the accessibility tree that has focus (the document itself says it is focused
    too: the deepest one, last in document order), if any."""
    focused = [n for n in ax_tree(page, url_part) if n["props"].get("focused")]
    return focused[-1] if focused else None


def ax_find(
    nodes: list[dict[str, Any]], role: str, name: str | None = None
) -> list[dict[str, Any]]:
    return [n for n in nodes if n["role"] == role and (name is None or n["name"] == name)]


def launcher_focused(page: Any) -> bool:
    """Whether the launcher button (in the loader's shadow root) has focus."""
    return bool(
        page.evaluate(
            "() => document.querySelector('chinwag-widget')?.shadowRoot.activeElement?.classList.contains('l') || false"
        )
    )


def open_with_keyboard(page: Any, focus_id: str | None = "cw-input") -> Any:
    """Tab from the top of the host page to the launcher and press Enter, as a keyboard user
    does; the chat frame once focus is inside it (on ``focus_id``, or on anything with None)."""
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert launcher_focused(page)
    page.keyboard.press("Enter")
    frame = chat_frame(page)
    frame.wait_for_function(
        "id => document.activeElement && document.activeElement !== document.body"
        " && (!id || document.activeElement.id === id)",
        arg=focus_id,
    )
    return frame


def frame_focus(frame: Any) -> str:
    """A short description of what has focus in the chat frame: ``#id``, ``tag.class`` or ``body``."""
    return str(
        frame.evaluate(
            """() => { const el = document.activeElement;
                if (!el || el === document.body) return 'body';
                return el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''); }"""
        )
    )


def ax_live_regions(page: Any, url_part: str | None = None) -> list[tuple[str, str]]:
    """``(role, text)`` of each live region (status, alert, log, ``aria-live``) of the page or
    frame: what a screen reader announces when it changes."""
    nodes = ax_tree(page, url_part)
    by_id = {n["id"]: n for n in nodes}

    def text(node: dict[str, Any]) -> str:
        if node["role"] in ("StaticText", "text"):
            return str(node["name"])
        return "".join(text(by_id[c]) for c in node["children"] if c in by_id)

    return [
        (str(n["role"]), text(n).strip())
        for n in nodes
        if (n["props"].get("live") in ("polite", "assertive") and n["props"].get("root") is None)
        or n["role"] in ("status", "alert", "log")
    ]
