"""The thumbs' form name and button names are declared per site in every language the plugin
ships (``Localized``): each visitor receives their own language, whatever the site's default;
a language the plugin does not ship reads the site's ``default_locale``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_feedback import strings
from conftest import PLUGIN

from chinwag.testing import configure_plugin


def _thumbs(features: dict[str, Any]) -> tuple[str, str, str]:
    found = next(f for f in features["features"] if f["type"] == "message_actions")
    up, down = found["components"]
    return found["label"], up["label"], down["label"]


def _expected(lang: str) -> tuple[str, str, str]:
    return (
        strings.text(lang, "rate_label"),
        strings.text(lang, "helpful"),
        strings.text(lang, "not_helpful"),
    )


def test_a_german_visitor_of_an_english_site_reads_german_thumbs(
    feedback_app: Any, visitor_session: Callable[..., dict[str, Any]]
) -> None:
    german = ("War diese Antwort hilfreich?", "Hilfreich", "Nicht hilfreich")
    assert _thumbs(visitor_session(locale="de-DE")["features"]) == german
    assert _thumbs(visitor_session()["features"]) == (
        "Was this answer helpful?",
        "Helpful",
        "Not helpful",
    )
    # every language the plugin ships, each in its own words
    assert len(strings.STRINGS) == 10
    for lang in strings.STRINGS:
        assert _thumbs(visitor_session(locale=lang)["features"]) == _expected(lang), lang


def test_the_widget_features_answer_speaks_the_visitors_language(
    feedback_app: Any, demo_site: dict[str, Any], visitor_client: Callable[..., Any]
) -> None:
    configure_plugin(feedback_app, PLUGIN, sites={str(demo_site["id"]): {"default_locale": "fr"}})
    ack = visitor_client(locale="de").emit("widget.features", {})
    assert ack["ok"], ack
    assert _thumbs(ack["features"]) == _expected("de")
    # Swedish is not shipped: the site's default language, French
    ack = visitor_client(locale="sv-SE").emit("widget.features", {})
    assert _thumbs(ack["features"]) == _expected("fr")
    assert _expected("fr") != _expected("en")
