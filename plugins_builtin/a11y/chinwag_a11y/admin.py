"""The report page in the web admin: the latest audits of every site, with what each found."""

from __future__ import annotations

from html import escape

from chinwag_plugin_api import AdminPage, PluginContext

from chinwag_a11y.audit import unavailable_reason
from chinwag_a11y.models import Audit


class AuditsPage(AdminPage):
    """Accessibility audits: status, violations per widget state and the keyboard loop."""

    slug = "audits"
    title = "Accessibility audits"
    roles = ("admin",)

    def render(self, ctx: PluginContext) -> str:
        reason = unavailable_reason(ctx.settings)
        head = (
            f"<p class='warn'>Audits are unavailable on this server: {escape(reason)}</p>"
            if reason
            else "<p>Audits run axe-core in headless Chromium against each site's real widget.</p>"
        )
        rows = ctx.db_session.query(Audit).order_by(Audit.id.desc()).limit(20).all()
        if not rows:
            return head + "<p>No audit yet. Start one with <code>POST /api/v1/plugins/"
            "chinwag-a11y/audits</code> and a site key.</p>"
        items = []
        for a in rows:
            states = (a.results or {}).get("states", {})
            detail = ", ".join(f"{escape(k)}: {len(v)}" for k, v in states.items())
            keys = "; ".join(
                f"{escape(s['step'])}: {'yes' if s['ok'] else 'NO'}"
                for s in (a.results or {}).get("keyboard", [])
            )
            items.append(
                f"<tr><td>{a.id}</td><td>{escape(a.site_key)}</td><td>{escape(a.status)}</td>"
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
