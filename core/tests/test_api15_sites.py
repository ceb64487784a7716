"""``ctx.sites()`` (plugin API 1.5): the sites a plugin may act on, for plugins configured per
site, with no key of any of them."""

from __future__ import annotations

import dataclasses
from typing import Any

from chinwag_plugin_api import SiteRef

from chinwag.testing import create_site, plugin_context, register_plugin


def test_sites_lists_every_site_by_id_without_its_keys(
    chinwag_app: Any, demo_site: dict[str, Any]
) -> None:
    register_plugin(chinwag_app, "per-site")
    other = create_site(chinwag_app, "Docs", ("https://docs.example", "https://b.example"))
    with chinwag_app.app_context():
        found = plugin_context(chinwag_app, "per-site").sites()
    assert [s.id for s in found] == sorted([demo_site["id"], other["id"]])
    docs = next(s for s in found if s.id == other["id"])
    assert docs == SiteRef(
        id=other["id"],
        name="Docs",
        allowed_origins=("https://b.example", "https://docs.example"),
        identity_required=False,
    )
    # what a plugin may see of a site, and no more: no key, no identity secret
    assert {f.name for f in dataclasses.fields(SiteRef)} == {
        "id",
        "name",
        "allowed_origins",
        "identity_required",
    }
    assert other["site_key"] not in repr(found) and other["identity_secret"] not in repr(found)
