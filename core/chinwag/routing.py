"""URL rules whose URL builders are compiled on first use, not at start-up.

Werkzeug compiles two Python functions (``ast`` + ``compile``) for every rule as it is added,
so that ``url_for`` is fast. The app has hundreds of rules, most of which no process ever
builds a URL for (a CLI call, a worker, most test servers), and those compilations were most of
``create_app``. :class:`LazyBuilderRule` compiles a rule's builder the first time it builds a
URL, then keeps it; matching is unchanged. Set as the app's ``url_rule_class``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A :class:`~werkzeug.routing.Rule` that compiles its URL builders when first called."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        attr = "_build_unknown" if append_unknown else "_build"

        def build_once(rule: Rule, **values: Any) -> tuple[str, str]:
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attr, real)  # the next call goes straight to the compiled builder
            result: tuple[str, str] = real(**values)
            return result

        return build_once
