"""The report page in the web admin: a **Run audit** form, the audit it started with what it
found, and the latest audits of every site.

A plugin's admin page is HTML the admin shell inserts (its CSP runs no script in it), so the
form cannot call the JSON API with the admin's bearer token. It posts instead to the plugin's
form route (``run_from_admin`` in :mod:`chinwag_a11y.routes`), carrying a token this page signed for the
signed-in admin (``ctx.sign``, one hour, scoped to the plugin): it proves who sent the form and
doubles as the CSRF token. The route queues the audit and answers ``303`` back to this page with
``?audit=<id>``, where the audit's status and findings are shown; while it runs, a link shows the
result again (no script refreshes the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from chinwag_plugin_api import AdminPage, PluginContext
from flask import has_request_context, request

from chinwag_a11y.audit import unavailable_reason
from chinwag_a11y.models import Audit

PAGE = "/admin/plugins/chinwag-a11y/audits"
TOKEN_SECONDS = 3600
FORM_SIGNATURE = "a11y-audit:"  # what the form token signs, with the user id

#: what the form route's error codes tell the admin, back on this page
FORM_ERRORS = {
    "form_expired": "This form has expired; run the audit again from this page.",
    "site_not_found": "No site has this site key: copy it from Admin → Sites.",
    "validation_error": "A site key is 4 to 64 letters, digits, dashes or underscores.",
    "origin_not_allowed": "This page may not use that site (its allowed origins).",
}


def form_token(ctx: PluginContext, user_id: int) -> str:
    """The signed token of the Run audit form, for the admin who sees the page."""
    return ctx.sign(f"{FORM_SIGNATURE}{user_id}", TOKEN_SECONDS)


def token_user(ctx: PluginContext, token: str) -> int | None:
    """The admin a form token was signed for, or None (forged, expired, another form's)."""
    value = ctx.verify(token or "") or ""
    if not value.startswith(FORM_SIGNATURE) or not value[len(FORM_SIGNATURE) :].isdigit():
        return None
    return int(value[len(FORM_SIGNATURE) :])


def _query() -> Mapping[str, str]:
    return request.args if has_request_context() else {}


def _run_form(ctx: PluginContext, site_key: str, error: str) -> str:
    actor = ctx.request_actor()
    token = form_token(ctx, actor.id if actor else 0)
    message = FORM_ERRORS.get(error, "")
    described = "a11y-site-key-hint" + (" a11y-run-error" if message else "")
    invalid = ' aria-invalid="true"' if message else ""
    error_html = (
        f'<p id="a11y-run-error" role="alert" class="error">{escape(message)}</p>'
        if message
        else ""
    )
    return (
        '<section aria-labelledby="a11y-run-h"><h2 id="a11y-run-h">Run an audit</h2>'
        f'<form method="post" action="{escape(ctx.url_for("run_from_admin"))}">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<p><label for="a11y-site-key">Site key</label><br>'
        f'<input id="a11y-site-key" name="site_key" value="{escape(site_key)}" required '
        f'maxlength="64" autocomplete="off" spellcheck="false" aria-describedby="{described}"'
        f"{invalid}> "
        '<small id="a11y-site-key-hint">the public key of the site (pk_…), in Admin → Sites'
        "</small></p>"
        f"{error_html}"
        '<p><button type="submit">Run audit</button></p></form></section>'
    )


def _violation(v: Mapping[str, Any]) -> str:
    nodes = ", ".join(str(n) for n in v.get("nodes", [])[:3])
    return (
        f"<li><strong>{escape(str(v.get('id', '')))}</strong> ({escape(str(v.get('impact')))}, "
        f"{escape(str(v.get('frame', '')))}): {escape(str(v.get('help', '')))}"
        + (f" <code>{escape(nodes)}</code>" if nodes else "")
        + "</li>"
    )


def audit_report(audit: Audit) -> str:
    """One audit in full: its status, each state's violations and the keyboard loop."""
    results = audit.results or {}
    heading = f"Audit #{audit.id} of {escape(audit.site_key)}"
    if audit.status in ("queued", "running"):
        return (
            f'<section class="a11y-audit" aria-labelledby="a11y-audit-h"><h2 id="a11y-audit-h">'
            f"{heading}</h2><p>{escape(audit.status.capitalize())}: the audit takes about a "
            f'minute. <a href="{PAGE}?audit={audit.id}">Show the result</a></p></section>'
        )
    if audit.status != "done":
        summary = f"{escape(audit.status.capitalize())}: {escape(audit.error or '')}"
    elif audit.violations:
        summary = f"Done: {audit.violations} problem{'s' if audit.violations != 1 else ''} found."
    else:
        summary = "Done: no violation in any state, and the keyboard loop works."
    states = "".join(
        f"<li>{escape(name)}: "
        + (
            f"{len(found)} violation{'s' if len(found) != 1 else ''}<ul>"
            + "".join(_violation(v) for v in found)
            + "</ul>"
            if found
            else "no violation"
        )
        + "</li>"
        for name, found in results.get("states", {}).items()
    )
    keys = "".join(
        f"<li>{escape(s['step'])}: {'yes' if s['ok'] else 'NO'}</li>"
        for s in results.get("keyboard", [])
    )
    states += "".join(
        f"<li>{escape(name)}: not audited, {escape(why)}</li>"
        for name, why in results.get("skipped", {}).items()
    )
    return (
        f'<section class="a11y-audit" aria-labelledby="a11y-audit-h"><h2 id="a11y-audit-h">'
        f"{heading}</h2><p>{summary}</p>"
        + (f"<h3>By state</h3><ul>{states}</ul>" if states else "")
        + (f"<h3>Keyboard loop</h3><ul>{keys}</ul>" if keys else "")
        + "</section>"
    )


class AuditsPage(AdminPage):
    """Accessibility audits: run one, then status, violations per widget state and the keyboard
    loop of the latest ones."""

    slug = "audits"
    title = "Accessibility audits"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        query = _query()
        reason = unavailable_reason(ctx.settings)
        head = (
            f"<p class='warn'>Audits are unavailable on this server: {escape(reason)}</p>"
            if reason
            else "<p>Audits run axe-core in headless Chromium against each site's real widget.</p>"
        )
        shown = ""
        audit_id = str(query.get("audit", ""))
        current = ctx.db_session.get(Audit, int(audit_id)) if audit_id.isdigit() else None
        if current is not None:
            shown = audit_report(current)
        rows = ctx.db_session.query(Audit).order_by(Audit.id.desc()).limit(20).all()
        site_key = str(query.get("site_key", "")) or (
            current.site_key if current else (rows[0].site_key if rows else "")
        )
        head += shown + _run_form(ctx, site_key[:64], str(query.get("error", "")))
        if not rows:
            return head + "<p>No audit yet.</p>"
        items = []
        for a in rows:
            states = (a.results or {}).get("states", {})
            detail = ", ".join(f"{escape(k)}: {len(v)}" for k, v in states.items())
            keys = "; ".join(
                f"{escape(s['step'])}: {'yes' if s['ok'] else 'NO'}"
                for s in (a.results or {}).get("keyboard", [])
            )
            items.append(
                f'<tr><td><a href="{PAGE}?audit={a.id}">{a.id}</a></td>'
                f"<td>{escape(a.site_key)}</td><td>{escape(a.status)}</td>"
                f"<td>{'' if a.violations is None else a.violations}</td>"
                f"<td>{detail}</td><td>{keys}</td><td>{escape(a.error or '')}</td></tr>"
            )
        return (
            head + "<table><caption>Latest audits</caption><thead><tr><th scope='col'>#</th>"
            "<th scope='col'>Site key</th><th scope='col'>Status</th>"
            "<th scope='col'>Violations</th><th scope='col'>By state</th>"
            "<th scope='col'>Keyboard loop</th><th scope='col'>Error</th></tr></thead><tbody>"
            + "".join(items)
            + "</tbody></table>"
        )
