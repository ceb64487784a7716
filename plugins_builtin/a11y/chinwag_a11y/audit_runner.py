"""The audit itself, run as its own process: ``python -m chinwag_a11y.audit_runner '<json>'``.

It opens a host page on Chinwag's own origin (always allowed to embed the widget) that embeds
the site's real widget with its real configuration, runs axe-core in every frame in each state
(closed, open, dark, right-to-left, the pre-chat form, every block type) and walks the keyboard loop: Tab reaches
the launcher, Enter opens the chat, focus moves into it, Escape closes it and focus comes back
to the launcher. It prints one JSON object and exits; the parent process enforces the time limit by
killing it, so a hung browser never outlives its audit.

The pre-chat state is the chat's live preview (``/chat/<key>?preview=1``, the designer's, which
keeps nothing and opens no connection) with the site's settings and the pre-chat form and the
consent question switched on, so a site that asks neither still learns whether its theme would
make them accessible.

The block-type state shows one sample message of every block type of the fixed vocabulary (text,
image, video, file, suggestions, buttons, rating, card) in the open chat, with the site's
theme, drawn by the widget's one shared renderer (the module the admin's inbox loads,
``/admin/static/render/widget-render.js``), its controls enabled as visitors have them. Nothing
is sent or stored: the messages exist only in the audit's browser. Without the admin (its
renderer), the state is skipped and the audit says why.

Needs Playwright (``pip install chinwag-a11y[audit]``) and a Chromium (Debian's ``chromium``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

HOST = "/_a11y_audit_host"
PREVIEW_HOST = "/_a11y_audit_prechat"
#: what the pre-chat state lays over the site's settings (the widget's live-preview message)
PRECHAT = {"prechat_form": True, "consent_required": True}
RENDERER = "/admin/static/render/widget-render.js"
SAMPLE = "https://audit.invalid"
#: one message per block type, as a bot could send them (every required field filled in well)
SAMPLES: list[dict[str, Any]] = [
    {"text": f"A **sample** answer with [our help centre]({SAMPLE}/help).", "blocks": []},
    {"text": "", "blocks": [{"type": "image", "url": f"{SAMPLE}/a.png", "alt": "A sample"}]},
    {
        "text": "",
        "blocks": [
            {
                "type": "video",
                "url": f"{SAMPLE}/v.mp4",
                "captions_url": f"{SAMPLE}/v.vtt",
                "captions_lang": "en",
            }
        ],
    },
    {
        "text": "",
        "blocks": [{"type": "file", "url": f"{SAMPLE}/f.pdf", "name": "f.pdf", "size": 9}],
    },
    {"text": "", "blocks": [{"type": "suggestions", "items": ["Opening hours", "Delivery"]}]},
    {
        "text": "Anything else?",
        "blocks": [
            {
                "type": "buttons",
                "buttons": [
                    {"label": "Talk to a person", "value": "person"},
                    {"label": "Our help centre", "url": f"{SAMPLE}/help"},
                ],
            }
        ],
    },
    {"text": "", "blocks": [{"type": "rating", "id": "audit", "prompt": "Was this helpful?"}]},
    {
        "text": "",
        "blocks": [
            {
                "type": "card",
                "title": "Returns",
                "text": "Send it back within 30 days.",
                "image_url": f"{SAMPLE}/c.png",
                "url": f"{SAMPLE}/returns",
                "buttons": [{"label": "Start a return", "value": "return"}],
            }
        ],
    },
]
#: in the chat frame: the samples appended to the message log, as the bot's
SHOW_SAMPLES = """async ([url, samples]) => {
  const { renderMessage } = await import(url);
  const log = document.querySelector('.cw-log ol');
  for (const m of samples) {
    const li = document.createElement('li');
    li.className = 'cw-msg cw-theirs';
    const who = document.createElement('span');
    who.className = 'cw-who';
    who.textContent = 'Sample';
    const body = document.createElement('div');
    li.append(who, body);
    renderMessage(body, m);
    body.querySelectorAll('fieldset[disabled]').forEach((f) => { f.disabled = false; });
    log.append(li);
  }
  return log.querySelectorAll('.cw-msg').length;
}"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
AXE_RUN = """async () => (await axe.run(document, {iframes: false})).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.slice(0, 10).map(n => n.target.join(' '))}))"""
LAUNCHER_FOCUSED = (
    "() => document.querySelector('chinwag-widget')?.shadowRoot"
    "?.activeElement?.classList.contains('l') || false"
)

#: in the chat frame: it has the keyboard focus, on a control (not lost to its body)
FOCUS_INSIDE = "() => document.hasFocus() && !!document.activeElement && document.activeElement !== document.body"


def host_page(base: str, site_key: str, lang: str = "en", direction: str = "ltr") -> str:
    """A plain, accessible host page embedding the widget (so what axe finds is the widget's)."""
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        "<title>Accessibility audit</title></head><body><main><h1>Accessibility audit</h1>"
        '<p>This page embeds the widget.</p><button type="button">A host button</button></main>'
        f'<script src="{base}/widget/chinwag.js" data-site="{site_key}" async></script>'
        "</body></html>"
    )


def prechat_page(base: str, site_key: str) -> tuple[str, str]:
    """A host page framing the chat's live preview, and the message that switches the pre-chat
    form on in it."""
    message = json.dumps({"type": "chinwag:v1:preview", "settings": PRECHAT})
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Accessibility audit: pre-chat form</title></head><body><main>"
        "<h1>Accessibility audit: pre-chat form</h1>"
        f'<iframe title="The chat" src="{base}/chat/{site_key}?preview=1" '
        'style="width:400px;height:640px;border:0"></iframe></main></body></html>'
    ), message


def _axe(page: Any, axe: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for frame in page.frames:
        if frame.url in ("", "about:blank"):
            continue
        frame.evaluate(axe + "\n;0")
        for violation in frame.evaluate(AXE_RUN):
            found.append(
                {
                    **violation,
                    "frame": "chat"
                    if "/widget/frame/" in frame.url or "/chat/" in frame.url
                    else "host",
                }
            )
    return found


def _chat_frame(page: Any, timeout: float) -> Any:
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/widget/frame/" in frame.url:
                try:
                    if frame.evaluate(
                        "() => !!document.querySelector('.cw-compose, .cw-prechat, form')"
                    ):
                        return frame
                except PlaywrightError:  # the frame navigated meanwhile: look again
                    continue
        page.wait_for_timeout(100)
    return None


def _open_page(
    browser: Any, base: str, site_key: str, scheme: str, rtl: bool, bypass_csp: bool = False
) -> Any:
    page = browser.new_page(color_scheme=scheme, bypass_csp=bypass_csp)
    html = host_page(base, site_key, "ar" if rtl else "en", "rtl" if rtl else "ltr")
    page.route(f"{base}{HOST}", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(f"{base}{HOST}")
    page.locator("chinwag-widget button.l").wait_for(timeout=15000)
    if rtl:
        page.evaluate("() => window.Chinwag('setLocale', 'ar')")
    return page


def _until(page: Any, check: Any, tries: int) -> bool:
    """Ask ``check()`` every 100 ms, at most ``tries`` times, until it is true."""
    for _ in range(tries):
        if check():
            return True
        page.wait_for_timeout(100)
    return False


def _keyboard_loop(page: Any) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    reached = False
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate(LAUNCHER_FOCUSED):
            reached = True
            break
    steps.append({"step": "Tab reaches the launcher", "ok": reached})
    if not reached:
        return steps
    page.keyboard.press("Enter")
    frame = _chat_frame(page, 15)
    steps.append({"step": "Enter opens the chat", "ok": frame is not None})
    if frame is None:
        return steps
    inside = _until(page, lambda: frame.evaluate(FOCUS_INSIDE), 50)
    steps.append({"step": "Focus moves into the chat", "ok": inside})
    page.keyboard.press("Escape")
    back = _until(page, lambda: page.evaluate(LAUNCHER_FOCUSED), 30)
    steps.append({"step": "Escape closes it and focus returns to the launcher", "ok": back})
    return steps


def _prechat(browser: Any, base: str, site_key: str, axe: str) -> list[dict[str, Any]]:
    """The pre-chat form's violations (the live preview, with the form switched on)."""
    page = browser.new_page()
    html, message = prechat_page(base, site_key)
    page.route(
        f"{base}{PREVIEW_HOST}", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    page.goto(f"{base}{PREVIEW_HOST}")
    chat = page.frame_locator("iframe").locator(".cw-compose, .cw-prechat")
    chat.first.wait_for(timeout=15000)
    frame = next(f for f in page.frames if "/chat/" in f.url)
    shown = _until(
        page,
        lambda: (
            page.evaluate(
                "(m) => { document.querySelector('iframe').contentWindow.postMessage(JSON.parse(m), "
                "location.origin); return true; }",
                message,
            )
            and frame.evaluate("() => !!document.querySelector('.cw-prechat')")
        ),
        50,
    )
    found = (
        _axe(page, axe)
        if shown
        else [
            {
                "id": "prechat-not-shown",
                "impact": "serious",
                "frame": "chat",
                "nodes": [],
                "help": "The pre-chat form did not appear in the chat's preview.",
                "helpUrl": "",
            }
        ]
    )
    page.close()
    return found


def _blocks(browser: Any, base: str, site_key: str, axe: str) -> list[dict[str, Any]] | str:
    """Every block type's violations in the open chat, or why the state was skipped. The
    renderer is a module of Chinwag's own origin that the chat's CSP does not list: the page
    runs with CSP bypassed (what axe checks does not depend on it)."""
    from playwright.sync_api import Error as PlaywrightError

    page = _open_page(browser, base, site_key, "light", rtl=False, bypass_csp=True)
    try:
        page.locator("chinwag-widget button.l").click()
        frame = _chat_frame(page, 15)
        if frame is None:
            return "the chat did not open"
        try:
            frame.wait_for_selector(".cw-log ol", timeout=15000)
            frame.evaluate(SHOW_SAMPLES, [f"{base}{RENDERER}", SAMPLES])
        except PlaywrightError as exc:
            return f"the widget's renderer could not be loaded ({str(exc).splitlines()[0][:200]})"
        drawn = frame.evaluate(
            "() => ['.cw-media', '.cw-file', '.cw-btns', '.cw-rating', '.cw-card']"
            ".every((s) => document.querySelector('.cw-log ' + s))"
        )
        if not drawn:
            return "the sample messages did not render"
        return _axe(page, axe)
    finally:
        page.close()


def audit(config: dict[str, Any]) -> dict[str, Any]:
    """Every state's axe violations and the keyboard loop's steps."""
    from playwright.sync_api import sync_playwright

    base, key = str(config["base"]).rstrip("/"), str(config["site_key"])
    axe = Path(config["axe"]).read_text("utf-8")
    states: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=config["chromium"], args=CHROMIUM_ARGS)
        try:
            page = _open_page(browser, base, key, "light", rtl=False)
            states["closed"] = _axe(page, axe)
            keyboard = _keyboard_loop(page)
            page.locator("chinwag-widget button.l").click()
            _chat_frame(page, 15)
            states["open"] = _axe(page, axe)
            page.close()
            for name, scheme, rtl in (("dark", "dark", False), ("rtl", "light", True)):
                page = _open_page(browser, base, key, scheme, rtl)
                page.locator("chinwag-widget button.l").click()
                _chat_frame(page, 15)
                states[name] = _axe(page, axe)
                page.close()
            states["prechat"] = _prechat(browser, base, key, axe)
            blocks = _blocks(browser, base, key, axe)
            if isinstance(blocks, str):
                skipped["blocks"] = blocks
            else:
                states["blocks"] = blocks
        finally:
            browser.close()
    failed = [s for s in keyboard if not s["ok"]]
    total = sum(len(v) for v in states.values()) + len(failed)
    return {"states": states, "keyboard": keyboard, "violations": total, "skipped": skipped}


def main() -> None:
    print(json.dumps(audit(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
