"""The survey's strings cover every language the widget ships, key for key."""

from __future__ import annotations

import re
from pathlib import Path

from chinwag_feedback import strings
from chinwag_feedback.plugin import site_config

from chinwag.testing import widget_languages

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_widget_language_has_every_survey_string() -> None:
    english = strings.STRINGS["en"]
    assert set(widget_languages()) <= set(strings.STRINGS)
    for lang in widget_languages():
        table = strings.STRINGS[lang]
        assert set(table) == set(english), lang
        for key, text in table.items():
            assert text.strip(), (lang, key)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), (
                lang,
                key,
            )
        if lang != "en":  # translated, not copied (emoji-only labels aside)
            for key in ("question", "what_wrong", "reason_wrong", "confirm_subject"):
                assert table[key] != english[key], (lang, key)


def test_the_docs_mark_every_unreviewed_translation() -> None:
    """A machine-made language is named in the docs' "not reviewed" note, a reviewed one not."""
    page = (Path(__file__).resolve().parents[3] / "docs" / "feedback.md").read_text()
    note = page.split("**Which translations were reviewed.**")[1].split("\n- ")[0]
    assert set(strings.STRINGS) >= strings.REVIEWED
    for lang in strings.STRINGS:
        assert (f"({lang})" in note) == (lang not in strings.REVIEWED), lang


def test_a_visitor_gets_their_language_and_a_site_its_own_words() -> None:
    cfg = site_config({}, 1)
    assert cfg.question("ar-EG") == "كيف تقيّم هذه المحادثة؟"
    assert cfg.question("pt-BR") == strings.STRINGS["pt"]["question"]
    assert cfg.question("sv") == "How would you rate this conversation?"
    assert strings.direction("ar") == "rtl" and strings.direction("fr-CA") == "ltr"
    assert strings.score_label("fr", "stars", 4) == "★★★★ 4 sur 5"
    # a site that wrote its own English question keeps it where it has no translation
    own = site_config({"questions": {"en": "Did we help?", "fr": "Avons-nous aidé ?"}}, 1)
    assert own.question("fr") == "Avons-nous aidé ?"
    assert own.question("ar") == "Did we help?"
    # settings saved before (English and French only) still ask Arabic visitors in Arabic
    old = site_config({"questions": {"en": strings.STRINGS["en"]["question"]}}, 1)
    assert old.question("ar") == strings.STRINGS["ar"]["question"]
