"""Generated documentation stays in step with the code it documents."""

from pathlib import Path
from typing import Any

import pytest

from chinwag.config import settings_markdown
from chinwag.plugin_docs import render, undocumented

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_plugin_reference_is_current() -> None:
    assert (DOCS / "plugins.md").read_text() == render(), (
        "run `make docs` to regenerate docs/plugins.md"
    )


def test_every_extension_point_is_documented() -> None:
    assert undocumented() == []


def test_every_setting_is_in_configuration_docs() -> None:
    assert settings_markdown() in (DOCS / "configuration.md").read_text()


def test_the_reference_lists_every_deprecation_with_its_removal() -> None:
    text = render()
    assert (
        "| `flask.g.chinwag_plugin` | 1.1 | 2.0 | `chinwag_plugin_api.current_context()` |" in text
    )


def test_a_deprecated_callable_warns_and_the_reference_marks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A context service replaced in a minor release keeps working for the rest of the major,
    warns on each call, and the reference says so where it is documented and in the list."""
    import chinwag_plugin_api as api

    from chinwag.plugin_docs import _members, deprecations

    def old_lookup(self: Any, visitor_id: int) -> int:
        """Look a visitor up (the old way)."""
        return visitor_id

    marked = api.deprecated("1.6", "visitor()")(old_lookup)
    with pytest.warns(
        api.ChinwagDeprecationWarning,
        match=r"old_lookup is deprecated since chinwag-plugin-api 1\.6 and goes away in 2\.0; "
        r"use visitor\(\)",
    ) as caught:
        assert marked(None, 7) == 7
    assert caught[0].filename == __file__  # pointed at the caller, not at the API
    monkeypatch.setattr(api.PluginContext, "old_lookup", marked, raising=False)
    assert [d.what for d in deprecations()][-1].endswith("old_lookup")
    entry = next(m for m in _members(api.PluginContext) if m.startswith("- `old_lookup"))
    assert "*Deprecated since 1.6, goes away in 2.0: use visitor().*" in entry
