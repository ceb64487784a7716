"""The installation check's refused loads: a widget loaded with a site key that names no site
is kept per origin and shown on the sites whose allowed origins include that origin, with
bounded writes (forged Referers cannot fill the database)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from chinwag import installs
from chinwag.extensions import db
from chinwag.installs import RefusedLoad
from chinwag.testing import create_site


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(select(func.count(RefusedLoad.origin))).scalar_one())


def test_unknown_key_is_shown_on_the_site_of_its_origin(
    chinwag_app: Flask, chinwag_client: FlaskClient, admin_token: str
) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    shop = create_site(chinwag_app, "Shop", ("https://shop.example",))
    other = create_site(chinwag_app, "Blog", ("https://blog.example",))
    typo = "pk_mistyped"
    res = chinwag_client.get(
        f"/widget/config/{typo}.js", headers={"Referer": "https://shop.example/cart"}
    )
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "site_not_found"
    # an origin no site allows is recorded but shown nowhere
    chinwag_client.get(f"/widget/config/{typo}.js", headers={"Referer": "https://x.example/"})
    got = chinwag_client.get(f"/api/v1/sites/{shop['id']}/install", headers=admin).get_json()
    assert [(k["origin"], k["site_key"], k["count"]) for k in got["unknown_keys"]] == [
        ("https://shop.example", typo, 1)
    ]
    assert got["unknown_keys"][0]["at"]
    assert got["errors"] == [] and got["last_load_at"] is None  # the site itself never loaded
    blog = chinwag_client.get(f"/api/v1/sites/{other['id']}/install", headers=admin).get_json()
    assert blog["unknown_keys"] == []
    # once a minute per origin: a second try within the minute writes nothing
    chinwag_client.get("/widget/config/other.js", headers={"Referer": "https://shop.example/"})
    again = chinwag_client.get(f"/api/v1/sites/{shop['id']}/install", headers=admin).get_json()
    assert again == got
    # no Referer: nothing to tie it to, nothing written
    before = _count(chinwag_app)
    assert chinwag_client.get(f"/widget/config/{typo}.js").status_code == 404
    assert _count(chinwag_app) == before == 2


def test_refused_loads_are_bounded(
    chinwag_app: Flask, chinwag_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(installs.REFUSED_PER_MINUTE + 5):
        chinwag_client.get("/widget/config/nope.js", headers={"Referer": f"https://o{i}.example/"})
    assert _count(chinwag_app) == installs.REFUSED_PER_MINUTE  # writes per minute, per process
    # the table keeps the latest KEEP_REFUSED origins
    with chinwag_app.test_request_context():
        chinwag_app.extensions.pop("chinwag_refused", None)  # a new minute
        monkeypatch.setattr(installs, "KEEP_REFUSED", 10)  # a smaller table, same rule
        installs.record_refused("https://newest.example", "pk_x")
    assert _count(chinwag_app) == 10
    with chinwag_app.app_context():
        newest = installs.refused(["https://newest.example", "https://o0.example"])
    assert [r["origin"] for r in newest] == ["https://newest.example"]  # the oldest forgotten
