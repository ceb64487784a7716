"""The widget build (budgets, hashed names, event names from events.json) and how Chinwag serves it."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from widget_helpers import STATIC, WIDGET

from chinwag.testing import make_app

EVENTS = json.loads((Path(__file__).parents[2] / "core" / "chinwag" / "events.json").read_text())


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


@pytest.fixture
def served(tmp_path: Any, widget_build: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    app = make_app(tmp_path, CHINWAG_PUBLIC_URL="https://chat.example")
    from chinwag.api.sites import create_site

    with app.app_context():
        site = create_site(
            "Shop",
            ["https://shop.example"],
            {"team_name": "</script><script>window.x=1</script>", "brand_color": "#ffffff"},
        )
        key = site.site_key
    yield app, key
    with app.app_context():
        from chinwag.extensions import db

        db.engine.dispose()


def _imports(path: str) -> list[str]:
    """The chunks a built module imports before it runs (static ``import ... from "./x.js"``)."""
    text = (STATIC / path).read_text()
    return ["assets/" + m for m in re.findall(r'(?:from|import)\s*"\./([\w-]+\.js)"', text)]


def _core_files(build: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [build["files"]["chat"]]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(_imports(path))
    return seen


def test_budgets_hold(widget_build: dict[str, Any], tmp_path: Any) -> None:
    files = widget_build["files"]
    loader = (STATIC / files["loader"]).read_bytes()
    assert gz(loader) <= 2048
    core = _core_files(widget_build)
    chat = sum(gz((STATIC / p).read_bytes()) for p in core) + gz(
        (STATIC / files["css"]).read_bytes()
    )
    assert chat + 1024 <= 30 * 1024, "chat bundle plus its HTML page exceed 30 KB gzip"
    assert any(b"EIO" in (STATIC / p).read_bytes() for p in core)
    # feature code is not in the core: each declared place is its own chunk of at most 8 KB
    assert set(widget_build["chunks"]) == {
        "attachments",
        "message_actions",
        "composer_assist",
        "panel_tab",
        "prompts",
        "proactive",
        "preferences",
        "consent",  # the core's own Privacy tab (every site: delete my history, transcript, consent)
        "host_events",  # no UI: the widget's events in the host page's dataLayer
    }
    for kind, path in widget_build["chunks"].items():
        assert path not in core, kind
        own = {path, *_imports(path)} - core
        assert sum(gz((STATIC / p).read_bytes()) for p in own) <= 8 * 1024, kind
    # every built-in plugin enabled: what their widgets declare all has a chunk
    app = make_app(tmp_path)
    from chinwag.api.sites import create_site

    with app.app_context():
        site = create_site("Shop", [])
        from chinwag.app import state
        from chinwag.widget_features import features_for

        declared = features_for(state().plugins, site.id)["features"]
    assert declared and {f["type"] for f in declared} <= set(widget_build["chunks"])


def test_asset_names_are_content_hashes(widget_build: dict[str, Any]) -> None:
    for name, path in widget_build["files"].items():
        data = (STATIC / path).read_bytes()
        # esbuild names the chat's modules by their content hash (they import each other by name)
        pattern = r"[A-Z0-9]{8}\.js" if name == "chat" else r"[0-9a-f]{12}\.(js|css)"
        assert re.fullmatch(rf"assets/{name}-{pattern}", path)
        assert (
            widget_build["sri"][name]
            == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
        )


def _built_js(build: dict[str, Any]) -> str:
    return "\n".join((STATIC / p).read_text() for p in build["all"])


def test_event_names_come_from_events_json(widget_build: dict[str, Any]) -> None:
    """The built widget carries the name of every event its sources use (``S.MESSAGE_NEW``)
    and none of the others (the build leaves inbox-only names out), and no source spells a
    name itself."""
    chat = _built_js(widget_build)
    used = set()
    for src in (p for p in (WIDGET / "src").rglob("*") if p.suffix in (".js", ".jsx")):
        used |= set(re.findall(r"\.([A-Z][A-Z0-9_]+)\b", src.read_text()))
    events = {**EVENTS["client"], **EVENTS["server"]}
    assert {"MESSAGE_SEND", "MESSAGE_NEW", "WIDGET_TRACK"} <= used
    wanted = {name for key, name in events.items() if key in used}
    for name in events.values():
        assert (json.dumps(name) in chat) == (name in wanted), name
    for src in (p for p in (WIDGET / "src").rglob("*") if p.is_file()):
        text = src.read_text()
        for name in [*EVENTS["client"].values(), *EVENTS["server"].values()]:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{name} retyped in {src}"


def test_loader_config_and_assets_headers(served: tuple[Any, str], widget_build: Any) -> None:
    app, key = served
    c = app.test_client()
    res = c.get("/widget/chinwag.js")
    assert res.status_code == 200
    assert res.headers["Cache-Control"] == "public, max-age=300"
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert res.data == (STATIC / widget_build["files"]["loader"]).read_bytes()
    res = c.get("/widget/" + widget_build["files"]["chat"])
    assert res.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    res = c.get(f"/widget/config/{key}.js")
    body = res.data.decode()
    assert body.startswith('window.Chinwag&&Chinwag("_config",')
    assert "</script>" not in body
    data = json.loads(body[len('window.Chinwag&&Chinwag("_config",') : -3])
    assert data["origins"] == ["https://chat.example", "https://shop.example"]
    assert data["settings"]["team_name"] == "</script><script>window.x=1</script>"
    assert data["labels"]["fr"][0] == "Ouvrir le chat"
    assert c.get("/widget/config/nope.js").status_code == 404


def test_frame_is_framed_only_by_allowed_origins(served: tuple[Any, str]) -> None:
    app, key = served
    c = app.test_client()
    res = c.get(f"/widget/frame/{key}?host=https://shop.example")
    assert res.status_code == 200
    csp = res.headers["Content-Security-Policy"]
    assert "frame-ancestors https://chat.example https://shop.example" in csp
    assert "script-src 'self' 'sha256-" in csp and "connect-src 'self'" in csp  # + the import map
    html = res.data.decode()
    assert "</script><script>window.x=1" not in html
    boot = json.loads(re.search(r'id="chinwag-boot">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert boot["host"] == "https://shop.example" and boot["mode"] == "frame"
    res = c.get(f"/widget/frame/{key}?host=https://evil.example")
    assert res.status_code == 403
    assert res.get_json()["error"]["code"] == "origin_not_allowed"
    res = c.get(f"/chat/{key}")
    assert res.status_code == 200
    assert "frame-ancestors 'none'" in res.headers["Content-Security-Policy"]


def test_cdn_asset_url(tmp_path: Any, widget_build: dict[str, Any]) -> None:
    app = make_app(tmp_path, CHINWAG_ASSET_URL="https://cdn.example/chinwag/widget/")
    from chinwag.api.sites import create_site

    with app.app_context():
        key = create_site("Shop", []).site_key
    res = app.test_client().get(f"/chat/{key}")
    html = res.data.decode()
    assert f'src="https://cdn.example/chinwag/widget/{widget_build["files"]["chat"]}"' in html
    assert (
        "script-src 'self' https://cdn.example 'sha256-" in res.headers["Content-Security-Policy"]
    )
    # the import map names the chunks where the browser fetches them: on the CDN
    consent = widget_build["chunks"]["consent"]
    assert f'"https://cdn.example/chinwag/widget/{consent}":"sha384-' in html


def test_embed_snippet_pins_the_served_loader(served: tuple[Any, str]) -> None:
    from chinwag.widget_assets import embed_snippet

    app, key = served
    with app.test_request_context():
        snippet = embed_snippet(key, "https://chat.example/")
    loader = app.test_client().get("/widget/chinwag.js").data
    sri = "sha384-" + base64.b64encode(hashlib.sha384(loader).digest()).decode()
    assert snippet["sri"] == sri
    assert snippet["html"] == (
        f'<script src="https://chat.example/widget/chinwag.js" data-site="{key}" '
        f'integrity="{sri}" crossorigin="anonymous" async></script>'
    )


def test_preview_page_and_rules(served: tuple[Any, str]) -> None:
    from chinwag.schemas import WidgetSettings
    from chinwag.widget_assets import preview_rules

    app, key = served
    rules = preview_rules()
    assert set(rules) == set(WidgetSettings().fields)
    assert rules["brand_color"]["pattern"] == "^#[0-9a-fA-F]{6}$"
    assert rules["corner_radius"] == {"type": "integer", "min": 0, "max": 32}
    avatar = rules["avatar_url"]
    assert {k: avatar[k] for k in ("type", "null", "schemes")} == {
        "type": "url",
        "null": True,
        "schemes": ["http", "https"],
    }
    assert re.fullmatch(avatar.get("pattern", ".*"), "https://cdn.example/a.png")
    c = app.test_client()
    res = c.get(f"/chat/{key}?preview=1")
    assert "frame-ancestors https://chat.example;" in res.headers["Content-Security-Policy"] + ";"
    boot = json.loads(re.search(r'id="chinwag-boot">(.*?)</script>', res.data.decode()).group(1))  # type: ignore[union-attr]
    assert boot["preview"] == rules
    # a visitor's page has no rules (the preview's checks are a lazy chunk it lists, unused)
    page = c.get(f"/chat/{key}").data.decode()
    boot = json.loads(re.search(r'id="chinwag-boot">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert "preview" not in boot and '"schemes"' not in page


@pytest.mark.parametrize(
    ("pattern", "url", "hit"),
    [
        ("/shop*", "https://a.example/shop/shoes?x=1#top", True),
        ("/shop*", "https://a.example/about?next=/shop", False),
        ("/", "https://a.example/?utm=1", True),
        ("/", "https://a.example/x", False),
        ("/a.b", "https://a.example/axb", False),
        ("*://*/sale?ref=*", "https://a.example/sale?ref=mail", True),
        ("*://*/sale?ref=*", "https://a.example/sale", False),
    ],
)
def test_url_rules(pattern: str, url: str, hit: bool) -> None:
    from chinwag.widget_assets import url_rule

    # the loader runs these as JavaScript regular expressions; this subset reads the same in Python
    assert bool(re.search(url_rule(pattern), url)) is hit


def test_widget_names_no_plugin(widget_build: dict[str, Any], tmp_path: Path) -> None:
    """The lint check (also run by `make lint`) passes on the widget's sources and build, and
    fails on what the widget did before features were declared."""
    from plugin_names import files, offences

    assert any(p.suffix == ".js" and "assets" in p.parts for p in files())
    assert offences(files()) == []
    old = tmp_path / "chat.jsx"
    old.write_text(
        'const media = (f.plugins || []).includes("chinwag-media");\n'
        "if (d.event !== 'media.updated') return;\n"
        'xhr.open("POST", "/api/v1/plugins/chinwag_media/uploads");\n'
    )
    found = offences([old])
    assert len(found) == 3 and all("names a plugin" in f for f in found), found
