"""The audit's API without a browser: validation, "unavailable" without Chromium or axe, history,
and gone with the plugin."""

from __future__ import annotations

import re
from typing import Any

from chinwag_a11y.models import Audit

from chinwag.testing import configure_plugin, enable_plugin, plugin_context

AUDITS = "/api/v1/plugins/chinwag-a11y/audits"
PAGE_API = "/api/v1/admin-pages/chinwag-a11y/audits"
ADMIN_PAGE = "/admin/plugins/chinwag-a11y/audits"


def test_audit_reports_unavailable_cleanly_and_keeps_history(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    configure_plugin(chinwag_app, "chinwag-a11y", chromium_path="/nonexistent/chromium")
    key = demo_site["site_key"]
    first = chinwag_client.post(AUDITS, json={"site_key": key}, headers=h)
    assert first.status_code == 202
    body = first.get_json()
    assert body["status"] == "unavailable" and "Chromium" in body["error"]
    chinwag_client.post(AUDITS, json={"site_key": key}, headers=h)
    history = chinwag_client.get(AUDITS, query_string={"site_key": key}, headers=h).get_json()
    assert [a["id"] for a in history] == [body["id"] + 1, body["id"]]
    one = chinwag_client.get(f"{AUDITS}/{body['id']}", headers=h).get_json()
    assert one["error"] == body["error"]
    page = chinwag_client.get("/api/v1/admin-pages/chinwag-a11y/audits", headers=h).get_json()
    assert "unavailable on this server" in page["html"]

    bad = chinwag_client.post(AUDITS, json={"site_key": "<script>", "x": 1}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
    assert chinwag_client.get(f"{AUDITS}/999999", headers=h).status_code == 404
    unknown = chinwag_client.post(AUDITS, json={"site_key": "pk_nosuchsite"}, headers=h)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "site_not_found"
    enable_plugin(chinwag_app, "chinwag-a11y", False)
    assert chinwag_client.get(AUDITS, query_string={"site_key": key}, headers=h).status_code == 404


def page_html(client: Any, headers: dict[str, str], query: str = "") -> str:
    html: str = client.get(f"{PAGE_API}{query}", headers=headers).get_json()["html"]
    return html


def test_run_audit_button_starts_one_and_the_page_shows_its_result(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = {"Authorization": f"Bearer {admin_token}"}
    configure_plugin(chinwag_app, "chinwag-a11y", chromium_path="/nonexistent/chromium")
    html = page_html(chinwag_client, h)
    assert '<label for="a11y-site-key">Site key</label>' in html
    assert ">Run audit</button>" in html
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert action and token
    path = "/" + action.group(1).split("/", 3)[3]  # the public URL's path
    # the form posts without a bearer token: the signed token stands for the admin
    sent = chinwag_client.post(
        path, data={"token": token.group(1), "site_key": demo_site["site_key"]}
    )
    assert sent.status_code == 303
    where = sent.headers["Location"]
    assert where.startswith(f"{ADMIN_PAGE}?audit=")
    audit_id = int(where.rsplit("=", 1)[1])
    shown = page_html(chinwag_client, h, f"?audit={audit_id}")
    assert f"Audit #{audit_id} of {demo_site['site_key']}" in shown
    assert "Unavailable: No Chromium at /nonexistent/chromium" in shown
    history = chinwag_client.get(
        AUDITS, query_string={"site_key": demo_site["site_key"]}, headers=h
    ).get_json()
    assert [a["id"] for a in history] == [audit_id]

    # a forged token or an unknown site goes back to the page with what was wrong
    forged = chinwag_client.post(path, data={"token": "x", "site_key": demo_site["site_key"]})
    assert "error=form_expired" in forged.headers["Location"]
    unknown = chinwag_client.post(path, data={"token": token.group(1), "site_key": "pk_nosite"})
    assert unknown.status_code == 303 and "error=site_not_found" in unknown.headers["Location"]
    told = page_html(chinwag_client, h, "?error=site_not_found&site_key=pk_nosite")
    assert 'role="alert"' in told and "No site has this site key" in told
    assert 'value="pk_nosite"' in told and 'aria-invalid="true"' in told
    bad = chinwag_client.post(path, data={"token": token.group(1), "site_key": "<b>"})
    assert "error=validation_error" in bad.headers["Location"]
    assert (
        len(
            chinwag_client.get(
                AUDITS, query_string={"site_key": demo_site["site_key"]}, headers=h
            ).get_json()
        )
        == 1
    )


def test_one_audit_per_site_at_a_time(
    chinwag_app: Any, chinwag_client: Any, admin_token: str, demo_site: dict[str, Any]
) -> None:
    """Pressing Run audit again while one runs shows the running one (each drives a Chromium)."""
    h = {"Authorization": f"Bearer {admin_token}"}
    key = demo_site["site_key"]
    with chinwag_app.app_context():
        session = plugin_context(chinwag_app, "chinwag-a11y").db_session
        running = Audit(site_key=key, status="running", results={})
        session.add(running)
        session.commit()
        running_id = running.id
    again = chinwag_client.post(AUDITS, json={"site_key": key}, headers=h)
    assert again.status_code == 202 and again.get_json()["id"] == running_id
    assert again.get_json()["status"] == "running"


def test_the_report_says_which_state_was_not_audited_and_why() -> None:
    from chinwag_a11y.admin import audit_report

    done = Audit(
        id=3,
        site_key="pk_demo1",
        status="done",
        violations=1,
        results={
            "states": {"open": [{"id": "empty-heading", "impact": "minor", "help": "Headings"}]},
            "keyboard": [{"step": "Tab reaches the launcher", "ok": True}],
            "skipped": {"blocks": "the widget's renderer could not be loaded"},
        },
    )
    html = audit_report(done)
    assert "Done: 1 problem found." in html and "empty-heading" in html
    assert "blocks: not audited, the widget&#x27;s renderer could not be loaded" in html
