"""The article editor's preview shows what the enabled content checks advise
(``ctx.content_advice``), and saving goes through all the same."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from chinwag_plugin_api import Advice, ContentCheck, PluginContext
from flask.testing import FlaskClient

from chinwag.testing import register_plugin

API = "/api/v1/kb"


class NoLorem(ContentCheck):
    asked: list[int | None] = []

    def check(
        self,
        ctx: PluginContext,
        site_id: int | None,
        text: str,
        blocks: Sequence[Mapping[str, Any]],
    ) -> list[Advice]:
        NoLorem.asked.append(site_id)
        if "lorem" not in text.lower():
            return []
        return [Advice("placeholder", "Replace the placeholder <lorem> text.", "warning")]


def test_preview_shows_advice_and_save_is_not_blocked(
    chinwag_app: Any, chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    register_plugin(chinwag_app, "nolorem", NoLorem)
    page = chinwag_client.get(
        "/api/v1/admin-pages/chinwag-kb/articles",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    token = re.search(r'name="token" value="([^"]+)"', page.get_json()["html"])
    assert token
    form = {"token": token.group(1), "title": "Shipping", "body": "Lorem ipsum.", "tags": "",
            "sites": str(demo_site["id"]), "status": "draft", "locale": "en", "summary": "",
            "slug": ""}  # fmt: skip
    preview = chinwag_client.post(f"{API}/admin/articles", data={**form, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    section = html.split('<section aria-labelledby="kb-advice"', 1)[1].split("</section>", 1)[0]
    assert "Advice on this article" in section
    assert "<strong>Warning:</strong> Replace the placeholder &lt;lorem&gt; text." in section
    assert NoLorem.asked[-1] == demo_site["id"]
    saved = chinwag_client.post(f"{API}/admin/articles", data={**form, "action": "save"})
    assert saved.status_code == 303
    # back on the admin page, the save is confirmed with the same advice, the article opened
    query = saved.headers["Location"].split("?", 1)[1]
    assert re.fullmatch(r"saved=\d+", query)
    after = chinwag_client.get(
        f"/api/v1/admin-pages/chinwag-kb/articles?{query}",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).get_json()["html"]
    notice = after.split('<div role="status" class="kb-saved">', 1)[1].split("</div>", 1)[0]
    assert "Saved “Shipping”. The advice below never stops a save." in notice
    assert "<strong>Warning:</strong> Replace the placeholder &lt;lorem&gt; text." in notice
    assert after.count("<details open>") == 1
    plain = chinwag_client.get(
        "/api/v1/admin-pages/chinwag-kb/articles?saved=x1",
        headers={"Authorization": f"Bearer {admin_token}"},
    ).get_json()["html"]
    assert "kb-saved" not in plain and "<details open>" not in plain
    # nothing to say: no advice section
    clean = chinwag_client.post(
        f"{API}/admin/articles", data={**form, "body": "Parcels leave daily.", "action": "preview"}
    )
    assert 'aria-labelledby="kb-advice"' not in clean.get_data(as_text=True)


def test_json_preview_carries_the_advice(
    chinwag_app: Any, chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    register_plugin(chinwag_app, "nolorem", NoLorem)
    h = {"Authorization": f"Bearer {admin_token}"}
    body = {"body": "Lorem **ipsum**", "site_id": demo_site["id"]}
    res = chinwag_client.post(f"{API}/preview", json=body, headers=h)
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["html"] == "<p>Lorem <strong>ipsum</strong></p>\n"
    mine = [a for a in res.get_json()["advice"] if a["code"] == "placeholder"]
    assert mine == [
        {
            "code": "placeholder",
            "message": "Replace the placeholder <lorem> text.",
            "severity": "warning",
        }
    ]
    assert NoLorem.asked[-1] == demo_site["id"]
    bad = chinwag_client.post(f"{API}/preview", json={"body": "x", "site_id": 0}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_error"
