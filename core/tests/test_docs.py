"""Generated documentation stays in step with the code it documents."""

from pathlib import Path

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
