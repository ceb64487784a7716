"""The widget's strings (core/chinwag/widget_locales/, en.json the one source of keys), how the
frame, the launcher config and /widget/strings/<lang>.json hand them out, and the site's web fonts
in the frame's CSP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from widget_helpers import WIDGET

from chinwag.testing import make_app
from chinwag.widget_i18n import LAUNCHER_KEYS, language, languages, launcher_labels, strings

SHIPPED = {"en", "fr", "ar", "de", "es", "pt", "it", "nl", "ja", "zh"}


def _table(code: str) -> dict[str, str]:
    path = resources.files("chinwag").joinpath("widget_locales", f"{code}.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_every_language_translates_exactly_the_english_keys() -> None:
    assert set(languages()) == SHIPPED and languages()[0] == "en"
    keys = set(_table("en"))
    for code in SHIPPED:
        table = _table(code)
        assert set(table) == keys, code
        assert all(isinstance(v, str) and v.strip() for v in table.values()), code
        # placeholders are the English ones, so no value loses its {name}
        for key, text in table.items():
            assert set(re.findall(r"\{\w+\}", text)) == set(
                re.findall(r"\{\w+\}", _table("en")[key])
            ), (code, key)
    assert _table("ar")["dir"] == "rtl" and _table("de")["dir"] == "ltr"


def test_every_key_the_widget_uses_exists() -> None:
    """``t("key")`` in widget/src, and ``say("key")`` in the feature chunks (the same
    translator, handed over as ``rt.t``), must name a key of en.json (a typo would show the
    key); so every chunk speaks every shipped language."""
    used: set[str] = set()
    for path in [*(WIDGET / "src").glob("*.js*"), *(WIDGET / "src" / "features").glob("*.js*")]:
        used |= set(re.findall(r"\b(?:t|say)\(\"(\w+)\"", path.read_text()))
    chat = (WIDGET / "src" / "chat.jsx").read_text()
    used |= set(re.findall(r":\s*\"(\w+)\"", chat.split("const ERRORS =")[1].split("\n")[0]))
    assert used and used <= set(_table("en")), used - set(_table("en"))


def test_feature_chunks_carry_no_strings_of_their_own() -> None:
    """The chunks take the core's strings (``rt.t``), not a table of a few languages."""
    for path in (WIDGET / "src" / "features").glob("*.js*"):
        text = path.read_text()
        assert not re.search(r"\bfr:\s*\{|\blocal\(", text), path.name


def test_languages_fall_back_to_english() -> None:
    assert language("pt-BR") == "pt" and language("zh_TW") == "zh" and language("xx") == "en"
    assert strings("de-AT")["send"] == "Senden"
    assert strings(None)["send"] == "Send"
    labels = launcher_labels()
    assert labels["ja"][0] == "チャットを開く" and len(labels["en"]) == len(LAUNCHER_KEYS)


@pytest.fixture
def served(tmp_path: Any, widget_build: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    app = make_app(tmp_path, CHINWAG_PUBLIC_URL="https://chat.example")
    from chinwag.api.sites import create_site

    with app.app_context():
        site = create_site(
            "Shop",
            ["https://shop.example"],
            {
                "locale": "nl",
                "font_family": "Inter, sans-serif",
                "font_urls": [
                    "https://fonts.googleapis.com/css2?family=Inter",
                    "https://fonts.gstatic.com",
                ],
            },
        )
        key = site.site_key
    yield app, key
    with app.app_context():
        from chinwag.extensions import db

        db.engine.dispose()


def test_frame_boot_carries_its_language_and_fonts_are_allowed(served: tuple[Any, str]) -> None:
    app, key = served
    c = app.test_client()
    res = c.get(f"/widget/frame/{key}?host=https://shop.example")
    html = res.data.decode()
    boot = json.loads(re.search(r'id="chinwag-boot">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert boot["strings"]["send"] == "Versturen"
    assert boot["max_chars"] == 4000
    csp = res.headers["Content-Security-Policy"]
    assert "font-src https://fonts.googleapis.com https://fonts.gstatic.com" in csp
    assert re.search(r"style-src [^;]*https://fonts.googleapis.com", csp)
    assert '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">' in html
    # ?locale= from the loader wins over the site's language
    res = c.get(f"/widget/frame/{key}?host=https://shop.example&locale=ja-JP")
    boot = json.loads(re.search(r'id="chinwag-boot">(.*?)</script>', res.data.decode()).group(1))  # type: ignore[union-attr]
    assert boot["strings"]["send"] == "送信"


def test_strings_route_and_config_labels(served: tuple[Any, str]) -> None:
    app, key = served
    c = app.test_client()
    res = c.get("/widget/strings/es.json")
    assert res.status_code == 200 and res.json["lang"] == "es"
    assert res.json["strings"]["send"] == "Enviar"
    assert c.get("/widget/strings/klingon.json").json["lang"] == "en"
    assert c.get("/widget/strings/" + "x" * 40 + ".json").status_code == 400
    body = c.get(f"/widget/config/{key}.js").data.decode()
    data = json.loads(body[len('window.Chinwag&&Chinwag("_config",') : -3])
    assert data["labels"]["de"][0] == "Chat öffnen"
    assert data["css"].startswith(":host{all:initial}")
    assert data["x"] and data["icon"]


def test_font_urls_and_greetings_are_validated(served: tuple[Any, str]) -> None:
    from chinwag.schemas import WidgetSettings

    schema = WidgetSettings()
    assert not schema.validate({"greetings": ["de: Hallo!", "pt-BR: Olá!"]})
    assert schema.validate({"greetings": ["Hallo without a language"]})
    assert schema.validate({"font_urls": ["http://fonts.example/x.css"]})  # https only
    assert schema.validate({"launcher_style": "banner"})
    assert not schema.validate({"launcher_style": "text", "launcher_text": "Chat with us"})


def test_launcher_icons_for_the_designer(served: tuple[Any, str], widget_build: Any) -> None:
    app, _ = served
    res = app.test_client().get("/widget/icons.json")
    assert res.status_code == 200
    assert set(res.json) >= {"chat", "help", "wave", "close"}
    assert res.json == widget_build["launcher"]["icons"]
