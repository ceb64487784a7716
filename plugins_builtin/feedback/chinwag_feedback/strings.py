"""The survey's strings in every language the widget ships (en, ar, de, es, fr, it, ja, nl, pt,
zh), one JSON file per language in ``locales/`` like the widget's own, used by the survey card
in the widget, the mailed survey and its link page, so a visitor reads one language everywhere, and by the thumbs under answers.
``tests/test_feedback_strings.py`` checks that every language of the widget has every key of
``en`` (and the same placeholders). Only those in :data:`REVIEWED` were reviewed by people.

A site's own ``questions`` / ``follow_ups`` (settings) win over the defaults here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

from chinwag_plugin_api import Localized

#: languages whose strings people wrote and reviewed; the others were machine-made and are not
#: reviewed (docs/feedback.md says so; tests/test_feedback_strings.py keeps the two in step)
REVIEWED = frozenset({"en", "fr"})

#: right-to-left languages (the mail and the link page set ``dir``)
RTL = frozenset({"ar"})


@cache
def _tables() -> dict[str, dict[str, str]]:
    folder = resources.files("chinwag_feedback").joinpath("locales")
    return {
        f.name.removesuffix(".json"): json.loads(f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".json")
    }


#: ``{lang: {key: text}}``, one JSON file per language in ``locales/`` (``en.json`` has every key)
STRINGS: dict[str, dict[str, str]] = _tables()


def language(locale: str | None) -> str:
    """The shipped language of a BCP 47 locale (``pt-BR`` -> ``pt``), else ``en`` (the
    widget's own rule)."""
    code = str(locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in STRINGS else "en"


def text(locale: str | None, key: str, **values: object) -> str:
    """The string ``key`` in the locale's language (English when it lacks it), filled in."""
    found = STRINGS[language(locale)].get(key) or STRINGS["en"][key]
    return found.format(**values) if values else found


def localized(key: str, default_locale: str | None) -> Localized:
    """The string ``key`` in every shipped language, for declarations made per site (widget
    features): the core picks the visitor's language; a visitor whose language the plugin does
    not ship reads the site's ``default_locale`` one (as :func:`text` would say it)."""
    table = {lang: found[key] for lang, found in STRINGS.items() if found.get(key)}
    return Localized(text(default_locale, key), table)


def direction(locale: str | None) -> str:
    """``rtl`` or ``ltr`` for the locale's language."""
    return "rtl" if language(locale) in RTL else "ltr"


def defaults(key: str) -> Mapping[str, str]:
    """``{lang: string}`` of one key in every language (the settings' default questions)."""
    return {lang: table[key] for lang, table in STRINGS.items()}


def score_label(locale: str | None, scale: str, score: int) -> str:
    """A score as the survey shows it: ``★★★★ 4 of 5``, a face, a thumb or ``7 of 10``."""
    if scale == "stars":
        return "★" * score + " " + text(locale, "stars", n=score)
    if scale == "faces":
        return text(locale, f"face{score}")
    if scale == "thumbs":
        return text(locale, "good" if score else "bad")
    return text(locale, "nps_score", n=score)
