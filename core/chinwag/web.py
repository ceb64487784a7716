"""Pages served to people: the landing page and the demo host page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template_string, url_for
from sqlalchemy import select

from chinwag.extensions import db
from chinwag.models import Site

web = Blueprint("web", __name__)

DEMO = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chinwag demo</title>
<style>pre{white-space:pre-wrap;word-break:break-all}body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
code{background:#f1f1f1;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><main>
<h1>Chinwag demo</h1>
<p>This page embeds the Chinwag widget the way a site owner would, with one tag:</p>
<pre><code>{{ snippet }}</code></pre>
<p>Open the chat with the button in the corner, then answer as an agent in the
<a href="/admin">admin inbox</a>.</p>
{% if site %}<p>Contextual help: <button type="button" id="ask">Ask about pricing</button>
(calls <code>Chinwag('send', …)</code>). The same chat as a page of its own:
<a href="/chat/{{ site.site_key }}">full-page chat</a>.</p>
<script>
window.Chinwag = window.Chinwag || function () { (Chinwag.q = Chinwag.q || []).push(arguments); };
document.getElementById("ask").onclick = function () { Chinwag("send", "How much does it cost?"); };
</script>{% endif %}
</main>
{% if site %}<script src="/widget/chinwag.js" data-site="{{ site.site_key }}" async></script>{% endif %}
</body></html>"""


@web.get("/")
def index() -> Any:
    return redirect(url_for("web.demo"))


@web.get("/demo")
def demo() -> Any:
    site = db.session.execute(select(Site).order_by(Site.id)).scalars().first()
    snippet = (
        f'<script src="{current_app.config.get("CHINWAG_PUBLIC_URL") or ""}/widget/chinwag.js" '
        f'data-site="{site.site_key if site else "SITE_KEY"}" async></script>'
    )
    html = render_template_string(DEMO, site=site, snippet=snippet)
    return Response(html, mimetype="text/html")
