"""The widget's strings: one JSON file per language in ``widget_locales/``. ``en.json`` is the one
source of keys (every other file translates exactly those keys, a test checks it) and the
fallback. The server hands them out, so the chat bundle carries no strings: the frame's boot has
its locale's table, the launcher's config the few launcher labels of every language, and
``/widget/strings/<lang>.json`` a table when the visitor switches language."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

#: the launcher's labels, in the order the loader reads them (``labels[lang][i]``)
LAUNCHER_KEYS = (
    "launcher_open",
    "launcher_close",
    "launcher_unread",
    "launcher_frame",
    "launcher_new",
)


@cache
def _tables() -> dict[str, dict[str, str]]:
    folder = resources.files("chinwag").joinpath("widget_locales")
    return {
        f.name.removesuffix(".json"): json.loads(f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".json")
    }


def languages() -> list[str]:
    """The languages the widget speaks (two-letter codes), English first."""
    return sorted(_tables(), key=lambda code: (code != "en", code))


def language(locale: str | None) -> str:
    """The shipped language of a BCP 47 locale (``pt-BR`` -> ``pt``), else ``en``."""
    code = str(locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in _tables() else "en"


def strings(locale: str | None) -> dict[str, str]:
    """Every key of ``en.json``, in the locale's language where it has a translation."""
    tables = _tables()
    return {**tables["en"], **tables[language(locale)]}


def launcher_labels() -> dict[str, list[str]]:
    """``{lang: [open, close, unread, frame title, new message]}`` for the loader."""
    return {code: [strings(code)[k] for k in LAUNCHER_KEYS] for code in languages()}


def strings_json(locale: str) -> dict[str, Any]:
    """The body of ``/widget/strings/<lang>.json``: the language actually served and its table."""
    return {"lang": language(locale), "strings": strings(locale)}
