"""The knowledge base's HTTP routes: admin CRUD with revisions, preview, export/import, the
public search (site key and Origin checked), the public article page, and bad input."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from kb_testkit import add_article

from chinwag.testing import create_site, enable_plugin

API = "/api/v1/kb"
ORIGIN = {"Origin": "https://shop.example"}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_write_edit_history_and_publish(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = _auth(admin_token)
    site = demo_site["id"]
    res = chinwag_client.post(
        f"{API}/articles",
        json={"title": "Reset your password", "body": "Open *Settings*.", "sites": [site]},
        headers=h,
    )
    assert res.status_code == 201, res.get_json()
    art = res.get_json()
    assert art["slug"] == "reset-your-password" and art["status"] == "draft"
    assert art["version"] == 1 and art["sites"] == [site]
    key = demo_site["site_key"]
    found = chinwag_client.get(f"{API}/search?site_key={key}&q=password", headers=ORIGIN)
    assert found.get_json() == {"hits": []}  # a draft is not public
    page = chinwag_client.get(f"{API}/sites/{site}/articles/{art['slug']}")
    assert page.status_code == 404
    edited = chinwag_client.put(
        f"{API}/articles/{art['id']}",
        json={"title": "Reset your password", "body": "Open **Security**.", "status": "published",
              "sites": [site], "tags": ["login"]},
        headers=h,
    )  # fmt: skip
    assert edited.status_code == 200 and edited.get_json()["version"] == 2
    revs = chinwag_client.get(f"{API}/articles/{art['id']}/revisions", headers=h).get_json()
    assert [(r["version"], r["body"], r["status"]) for r in revs] == [
        (2, "Open **Security**.", "published"),
        (1, "Open *Settings*.", "draft"),
    ]
    hits = chinwag_client.get(f"{API}/search?site_key={key}&q=password", headers=ORIGIN)
    assert [h["title"] for h in hits.get_json()["hits"]] == ["Reset your password"]
    page = chinwag_client.get(f"{API}/sites/{site}/articles/{art['slug']}")
    assert page.status_code == 200
    assert (
        b"<strong>Security</strong>" in page.data and b"<h1>Reset your password</h1>" in page.data
    )
    assert chinwag_client.delete(f"{API}/articles/{art['id']}", headers=h).status_code == 204
    hits = chinwag_client.get(f"{API}/search?site_key={key}&q=password", headers=ORIGIN)
    assert hits.get_json() == {"hits": []}


def test_article_page_is_sanitised(
    chinwag_app: Any, chinwag_client: FlaskClient, demo_site: dict[str, Any]
) -> None:
    site = demo_site["id"]
    body = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n[ok](https://example.com)'
    )
    add_article(chinwag_app, site, title="<b>Evil</b>", body=body, slug="evil")
    page = chinwag_client.get(f"{API}/sites/{site}/articles/evil")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # raw HTML is shown as text, never as markup; unsafe links are not links
    assert "<script" not in html and "&lt;script&gt;alert(1)" in html
    assert 'href="javascript' not in html and "<img" not in html and "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html
    assert 'href="https://example.com" rel="noopener noreferrer nofollow"' in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_preview_export_import(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = _auth(admin_token)
    site = demo_site["id"]
    pv = chinwag_client.post(f"{API}/preview", json={"body": "**hi** <i>x</i>"}, headers=h)
    assert pv.get_json()["html"] == "<p><strong>hi</strong> &lt;i&gt;x&lt;/i&gt;</p>\n"
    articles = [
        {"title": "Shipping times", "body": "Two to four days.", "status": "published",
         "sites": [site], "tags": ["delivery"], "summary": "When it arrives."},
        {"title": "Ask for a refund", "slug": "refunds", "status": "published", "sites": [site]},
    ]  # fmt: skip
    res = chinwag_client.post(f"{API}/import", json={"articles": articles}, headers=h)
    assert res.get_json() == {"created": 2, "updated": 0}
    exported = chinwag_client.get(f"{API}/export", headers=h).get_json()["articles"]
    assert {a["slug"] for a in exported} == {"shipping-times", "refunds"}
    exported[0]["body"] = "Three days."
    again = chinwag_client.post(f"{API}/import", json={"articles": exported}, headers=h)
    assert again.get_json() == {"created": 0, "updated": 2}
    hits = chinwag_client.get(
        f"{API}/search?site_key={demo_site['site_key']}&q=delivery days", headers=ORIGIN
    ).get_json()["hits"]
    assert hits[0]["title"] == "Shipping times" and "Three days" in hits[0]["snippet"]


def test_import_of_one_title_many_times_keeps_every_revision(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    """2,000 items with one title and no slug (the bulk path): one article, a revision per
    item, the last item's text and sites searchable, the earlier text no longer found."""
    h = _auth(admin_token)
    site, other = demo_site["id"], demo_site["id"] + 1
    items = [
        {"title": "Reset your password", "body": f"Old wording number{i}.", "status": "published",
         "sites": [other]}
        for i in range(1999)
    ] + [{"title": "Reset your password", "body": "Choose Forgot password.", "status": "published",
          "sites": [site], "tags": ["login"]}]  # fmt: skip
    res = chinwag_client.post(f"{API}/import", json={"articles": items}, headers=h)
    assert res.get_json() == {"created": 1, "updated": 1999}
    (article,) = chinwag_client.get(f"{API}/articles", headers=h).get_json()
    assert article["version"] == 2000 and article["sites"] == [site]
    assert article["slug"] == "reset-your-password" and article["tags"] == ["login"]
    revs = chinwag_client.get(f"{API}/articles/{article['id']}/revisions", headers=h).get_json()
    assert len(revs) == 2000 and revs[-1]["body"] == "Old wording number0."
    key = demo_site["site_key"]
    hits = chinwag_client.get(f"{API}/search?site_key={key}&q=forgot", headers=ORIGIN).get_json()
    assert [x["title"] for x in hits["hits"]] == ["Reset your password"]
    old = chinwag_client.get(f"{API}/search?site_key={key}&q=wording", headers=ORIGIN).get_json()
    assert old == {"hits": []}
    # importing again with the same slug updates the same article
    again = chinwag_client.post(f"{API}/import", json={"articles": items[-1:]}, headers=h)
    assert again.get_json() == {"created": 0, "updated": 1}


def test_public_search_checks_site_key_and_origin(
    chinwag_app: Any, chinwag_client: FlaskClient, demo_site: dict[str, Any]
) -> None:
    add_article(chinwag_app, demo_site["id"], title="Shipping times", body="Two days.")
    key = demo_site["site_key"]
    ok = chinwag_client.get(f"{API}/search?site_key={key}&q=shipping", headers=ORIGIN)
    assert ok.status_code == 200 and len(ok.get_json()["hits"]) == 1
    hit = ok.get_json()["hits"][0]
    assert set(hit) == {
        "article_id",
        "title",
        "url",
        "summary",
        "snippet",
        "score",
        "slug",
        "locale",
    }
    bad_origin = chinwag_client.get(
        f"{API}/search?site_key={key}&q=shipping", headers={"Origin": "https://evil.example"}
    )
    assert bad_origin.status_code == 403
    assert bad_origin.get_json()["error"]["code"] == "origin_not_allowed"
    unknown = chinwag_client.get(f"{API}/search?site_key=nope&q=shipping", headers=ORIGIN)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "site_not_found"
    other = create_site(chinwag_app, "Other", origins=("https://other.example",))
    cross = chinwag_client.get(
        f"{API}/search?site_key={other['site_key']}&q=shipping",
        headers={"Origin": "https://other.example"},
    )
    assert cross.get_json() == {"hits": []}  # another site's articles stay its own


def test_bad_input_is_a_stable_error_not_a_500(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    h = _auth(admin_token)
    key = demo_site["site_key"]
    cases = [
        ("get", f"{API}/search?q=x", None, None, 400, "validation_error"),
        ("get", f"{API}/search?site_key={key}", None, None, 400, "validation_error"),
        ("get", f"{API}/search?site_key={key}&q={'x' * 501}", None, None, 400, "validation_error"),
        ("get", f"{API}/search?site_key={key}&q=x&limit=999", None, None, 400, "validation_error"),
        ("get", f"{API}/search?site_key={key}&q=x&evil=1", None, None, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": ""}, h, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": "x", "slug": "Not A Slug"}, h, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": "x", "status": "live"}, h, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": "x", "sites": ["1"]}, h, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": "x", "body": "b" * 100_001}, h, 400, "validation_error"),
        ("post", f"{API}/articles", {"title": "x", "extra": 1}, h, 400, "validation_error"),
        ("post", f"{API}/articles", [1], h, 400, "invalid_json"),
        ("post", f"{API}/articles", {"title": "x"}, None, 401, "unauthorized"),
        ("get", f"{API}/articles/999", None, h, 404, "article_not_found"),
        ("get", f"{API}/export", None, None, 401, "unauthorized"),
    ]  # fmt: skip
    for method, url, body, headers, status, code in cases:
        res = getattr(chinwag_client, method)(url, json=body, headers={**ORIGIN, **(headers or {})})
        assert (res.status_code, res.get_json()["error"]["code"]) == (status, code), url
    first = chinwag_client.post(f"{API}/articles", json={"title": "Same"}, headers=h).get_json()
    second = chinwag_client.post(f"{API}/articles", json={"title": "Same"}, headers=h).get_json()
    assert (first["slug"], second["slug"]) == ("same", "same-2")
    taken = chinwag_client.put(
        f"{API}/articles/{second['id']}", json={"title": "Same", "slug": "same"}, headers=h
    )
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "slug_taken"


def test_in_openapi_and_gone_when_disabled(
    chinwag_app: Any, chinwag_client: FlaskClient, demo_site: dict[str, Any]
) -> None:
    doc = chinwag_client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/kb/search" in doc["paths"]
    add_article(chinwag_app, demo_site["id"], title="Shipping times", slug="shipping")
    url = f"{API}/search?site_key={demo_site['site_key']}&q=shipping"
    assert chinwag_client.get(url, headers=ORIGIN).status_code == 200
    enable_plugin(chinwag_app, "chinwag-kb", False)
    assert chinwag_client.get(url, headers=ORIGIN).status_code == 404
    page = chinwag_client.get(f"{API}/sites/{demo_site['id']}/articles/shipping")
    assert page.status_code == 404
    enable_plugin(chinwag_app, "chinwag-kb", True)
    assert chinwag_client.get(url, headers=ORIGIN).status_code == 200


def test_admin_page_write_preview_save_delete(
    chinwag_client: FlaskClient, admin_token: str, demo_site: dict[str, Any]
) -> None:
    import re

    page = chinwag_client.get("/api/v1/admin-pages/chinwag-kb/articles", headers=_auth(admin_token))
    assert page.status_code == 200, page.get_json()
    html = page.get_json()["html"]
    assert '<label for="new-title">Title</label>' in html and "Articles (0)" in html
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token
    form = {"token": token.group(1), "title": "Reset your password", "body": "Open **Settings**.",
            "tags": "login, account", "sites": str(demo_site["id"]), "status": "published",
            "locale": "en", "summary": "", "slug": ""}  # fmt: skip
    preview = chinwag_client.post(f"{API}/admin/articles", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>Settings</strong>" in preview.get_data(as_text=True)
    assert chinwag_client.get(f"{API}/export", headers=_auth(admin_token)).get_json() == {
        "articles": []
    }  # a preview saves nothing
    saved = chinwag_client.post(f"{API}/admin/articles", data={**form, "action": "save"})
    assert saved.status_code == 303 and re.search(
        r"/admin/plugins/chinwag-kb/articles\?saved=\d+$", saved.headers["Location"]
    )
    html = chinwag_client.get(
        "/api/v1/admin-pages/chinwag-kb/articles", headers=_auth(admin_token)
    ).get_json()["html"]
    assert "Reset your password <small>(published, version 1, /reset-your-password)" in html
    (article_id,) = re.findall(r"/api/v1/kb/admin/articles/(\d+)/delete", html)
    forged = chinwag_client.post(f"{API}/admin/articles/{article_id}/delete", data={"token": "x"})
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "form_expired"
    bad = chinwag_client.post(f"{API}/admin/articles", data={**form, "sites": "one"})
    assert bad.status_code == 400
    gone = chinwag_client.post(
        f"{API}/admin/articles/{article_id}/delete", data={"token": token.group(1)}
    )
    assert gone.status_code == 303
    assert chinwag_client.get(f"{API}/export", headers=_auth(admin_token)).get_json() == {
        "articles": []
    }
