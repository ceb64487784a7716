"""``Localized``: a declaration's text with translations, resolved exact tag -> language ->
default; ``localize`` resolves every one in a JSON-like value."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from chinwag_plugin_api import Button, Localized, PanelTab, localize

HELP = Localized("Help", {"fr": "Aide", "pt-BR": "Ajuda (BR)", "pt": "Ajuda"}, de="Hilfe")


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("fr", "Aide"),
        ("fr-CA", "Aide"),  # no fr-CA: its language
        ("pt-BR", "Ajuda (BR)"),
        ("pt_br", "Ajuda (BR)"),  # underscore and case as browsers and settings write them
        ("pt-PT", "Ajuda"),
        ("de", "Hilfe"),  # keyword shorthand
        ("ja", "Help"),  # no translation: the default
        (None, "Help"),
        ("", "Help"),
    ],
)
def test_the_exact_locale_then_its_language_then_the_default(locale: str | None, text: str) -> None:
    assert HELP.resolve(locale) == text


def test_it_is_its_default_text_wherever_a_str_goes() -> None:
    assert HELP == "Help" and isinstance(HELP, str)
    assert json.dumps({"title": HELP}) == '{"title": "Help"}'  # unresolved: the default
    assert HELP.texts() == ["Help", "Aide", "Ajuda (BR)", "Ajuda", "Hilfe"]


def test_copies_and_pickles_keep_the_translations() -> None:
    for twin in (copy.deepcopy(HELP), pickle.loads(pickle.dumps(HELP))):  # noqa: S301 (our own bytes)
        assert isinstance(twin, Localized) and twin.resolve("fr") == "Aide"


@pytest.mark.parametrize("bad", [{"français": "Aide"}, {"f": "Aide"}, {"fr": ""}, {"fr": 3}])
def test_a_tag_that_is_no_locale_or_an_empty_text_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Localized("Help", bad)  # type: ignore[arg-type]


def test_localize_resolves_every_text_of_a_declaration() -> None:
    tab = PanelTab(key="help", title=HELP, event="kb.open")
    button = Button("👍", label=Localized("Helpful", fr="Utile"))
    data = {"features": [tab.as_dict(), button.as_dict()], "n": 3, "flag": True}
    out = localize(data, "fr-FR")
    assert out == {
        "features": [
            {"type": "panel_tab", "key": "help", "title": "Aide", "event": "kb.open"},
            {"type": "button", "text": "👍", "label": "Utile", "style": "secondary"},
        ],
        "n": 3,
        "flag": True,
    }
    assert type(out["features"][0]["title"]) is str
    assert isinstance(data["features"][0]["title"], Localized)  # the input is left as it was
    assert localize(data, None)["features"][0]["title"] == "Help"
