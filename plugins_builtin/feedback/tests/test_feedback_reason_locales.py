"""Thumbs-down reasons per site and per locale: a visitor reads the site's list (and the rating's
own words) in their language, else the site's default language, else English; admins set the
lists in the plugin's settings and bad ones are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chinwag_feedback import strings
from chinwag_feedback.models import Rating
from chinwag_feedback.plugin import site_config
from conftest import PLUGIN, rate
from sqlalchemy import select

from chinwag.testing import app_session, configure_plugin

GERMAN = {"falsch": "Falsche Antwort", "langsam": "Zu langsam"}
ENGLISH = {"falsch": "Wrong answer", "langsam": "Too slow"}


def _picker(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return dict(next(c for c in ack["components"] if c["type"] == "single_select"))


def _site(app: Any, demo_site: dict[str, Any], **override: Any) -> None:
    configure_plugin(app, PLUGIN, sites={str(demo_site["id"]): override})


def test_a_site_speaks_each_visitors_language_else_its_default_one(
    feedback_app: Any,
    demo_site: dict[str, Any],
    answered: Callable[..., Any],
    visitor_client: Callable[..., Any],
) -> None:
    _site(
        feedback_app,
        demo_site,
        default_locale="de",
        reasons={"de": GERMAN, "en": ENGLISH},
    )
    visitor, answer = answered("Wo ist mein Paket?", visitor_client(locale="de-AT"))
    picker = _picker(rate(visitor, answer, value="down"))
    assert picker["label"] == "Was war falsch?"
    assert [(o["value"], o["text"]) for o in picker["options"]] == list(GERMAN.items())
    ack = rate(visitor, answer, step="reason", values={"reason": "langsam"})
    assert ack["ok"], ack
    texts = [c.get("text") or c.get("label") for c in ack["components"]]
    assert texts == [
        "Grund: Zu langsam",
        "Möchten Sie etwas ergänzen? (optional)",
        "Feedback senden",
    ]
    done = rate(visitor, answer, step="comment", values={"comment": "Bitte schneller"})
    assert done == {"ok": True, "done": "Danke, wir werden es besser machen."}

    # English where the site wrote English; Swedish (no list, no built-in strings): German
    english, answer_en = answered("where is my parcel?", visitor_client(locale="en-GB"))
    assert [o["text"] for o in _picker(rate(english, answer_en, value="down"))["options"]] == [
        "Wrong answer",
        "Too slow",
    ]
    swede, answer_sv = answered("var är mitt paket?", visitor_client(locale="sv"))
    picker = _picker(rate(swede, answer_sv, value="down"))
    assert [o["text"] for o in picker["options"]] == list(GERMAN.values())
    assert picker["label"] == "Was war falsch?"
    with app_session(feedback_app) as s:
        rows = s.execute(select(Rating).order_by(Rating.id)).scalars().all()
        assert [(r.locale, r.reason) for r in rows] == [
            ("de-AT", "langsam"),
            ("en-GB", None),
            ("sv", None),
        ]


def test_the_built_in_lists_cover_every_widget_language(
    feedback_app: Any, answered: Callable[..., Any], visitor_client: Callable[..., Any]
) -> None:
    visitor, answer = answered("荷物はどこですか", visitor_client(locale="ja"))
    picker = _picker(rate(visitor, answer, value="down"))
    assert picker["label"] == strings.STRINGS["ja"]["what_wrong"]
    assert [o["value"] for o in picker["options"]] == ["wrong", "unclear", "incomplete", "other"]
    assert picker["options"][0]["text"] == "回答が間違っている"
    # a site that wrote only its own English list: every language gets it (its default, en)
    cfg = site_config({"reasons": {"en": ENGLISH}}, 1)
    assert cfg.reason_options("ja") == ENGLISH
    # settings saved before (the built-in English and French lists only) still translate
    old = site_config({"reasons": {"en": site_config({}, 1).reason_options("en")}}, 1)
    assert old.reason_options("es")["wrong"] == "Respuesta incorrecta"


def test_admins_set_the_lists_and_bad_ones_are_refused(
    feedback_app: Any, chinwag_client: Any, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}

    def save(**settings: Any) -> Any:
        return chinwag_client.patch(
            f"/api/v1/plugins/{PLUGIN}", json={"settings": settings}, headers=auth
        )

    refused: list[dict[str, Any]] = [
        {"reasons": {"de": {}}},  # an empty list
        {"reasons": {"Deutsch": GERMAN}},  # not a locale
        {"reasons": {"de": {"Falsch!": "Falsche Antwort"}}},  # not a code
        {"reasons": {"de": {f"r{n}": "x" for n in range(13)}}},  # too many
        {"default_locale": "German"},
        {"sites": {"1": {"default_locale": "de_DE"}}},
    ]
    for bad in refused:
        res = save(**bad)
        assert res.status_code == 400, (bad, res.json)
        assert res.json["error"]["code"] == "validation_error"
    res = save(default_locale="de", reasons={"de": GERMAN, "en": ENGLISH})
    assert res.status_code == 200, res.json
    # what the admin's settings form is built from: both at the top and in a site's entry
    schema = {f["name"]: f for f in res.json["settings_schema"]}
    assert schema["default_locale"]["type"] == "string"
    assert (schema["reasons"]["type"], schema["reasons"]["shape"]) == ("json", "map")
    per_site = {f["name"] for f in schema["sites"]["item_fields"]}
    assert {"default_locale", "reasons"} <= per_site
    cfg = site_config(res.json["settings"], 1)
    assert cfg.reason_options("fr-CH") == GERMAN and cfg.reason_options("en") == ENGLISH
    # an emptied list (the form's JSON cleared to {}) means the built-in lists again
    res = save(reasons={})
    assert res.status_code == 200, res.json
    assert site_config(res.json["settings"], 1).reason_options("it")["other"] == "Altro"
