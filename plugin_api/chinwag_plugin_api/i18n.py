"""Per-locale texts in widget feature declarations (labels, prompts, tab titles, greetings).

A :class:`Localized` is a ``str`` (its default text) that also carries translations by locale,
so it goes wherever a declaration takes text::

    PanelTab(key="help", title=Localized("Help", {"fr": "Aide", "pt-BR": "Ajuda"}), event=...)
    Button("👍", thumbs, label=Localized("Helpful", fr="Utile", de="Hilfreich"))

The core resolves every :class:`Localized` of a site's features for the visitor's locale when it
builds the widget's boot data, its session and each ``widget.features`` answer (and in the
acknowledgements of a plugin's ``/widget`` socket events), so the widget receives plain text.
Since 1.7 it does the same for payloads a plugin sends itself (``ctx.emit``,
``ctx.emit_to_visitor``: agents get the defaults), and a widget's ``setLocale`` switches the
visitor's locale at once (their features are sent again in it). The exact locale is tried first
(``pt-BR``), then its language (``pt``), then the default. Anything that serialises a
:class:`Localized` without resolving it (``json.dumps``) writes the default; elsewhere (a mail)
call :func:`localize` with the visitor's locale (``ctx.visitor(id).locale``).

Added in 1.6.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chinwag_plugin_api.versions import added

_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def _norm(locale: str) -> str:
    return locale.replace("_", "-").lower()


@added("1.6")
class Localized(str):
    """A text with translations: ``Localized(default, {locale: text, ...}, **more)``.

    Locales are BCP 47 tags (``fr``, ``pt-BR``; ``_`` is read as ``-``, case does not matter);
    keyword arguments are a shorthand for plain language codes (``fr="Aide"``). Raises
    ``ValueError`` for a tag that is no locale or a translation that is not a non-empty string.
    """

    translations: Mapping[str, str]

    def __new__(
        cls, default: str, translations: Mapping[str, str] | None = None, **by_locale: str
    ) -> Localized:
        self = super().__new__(cls, default)
        table: dict[str, str] = {}
        for tag, text in {**(translations or {}), **by_locale}.items():
            if not isinstance(tag, str) or not _TAG.match(tag.replace("_", "-")):
                raise ValueError(f"{tag!r} is not a locale (a BCP 47 tag such as 'fr' or 'pt-BR')")
            if not isinstance(text, str) or not text:
                raise ValueError(f"the {tag!r} text must be a non-empty string")
            table[_norm(tag)] = text
        self.translations = table
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle keep the translations
        return (Localized, (str(self), dict(self.translations)))

    def resolve(self, locale: str | None) -> str:
        """The text for ``locale``: the exact tag, else its language, else the default."""
        if locale:
            tag = _norm(locale)
            for candidate in (tag, tag.split("-")[0]):
                if candidate in self.translations:
                    return self.translations[candidate]
        return str(self)

    def texts(self) -> list[str]:
        """The default and every translation (what a content check should read)."""
        return [str(self), *self.translations.values()]


@added("1.6")
def localize(value: Any, locale: str | None) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with every :class:`Localized` in it resolved
    for ``locale``; everything else unchanged. Returns new containers, never edits ``value``."""
    if isinstance(value, Localized):
        return value.resolve(locale)
    if isinstance(value, Mapping):
        return {k: localize(v, locale) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localize(v, locale) for v in value]
    return value
