"""The plugin walk-through quotes the plugin the tests build and run, verbatim."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_writing_plugins_quotes_the_tested_plugin() -> None:
    doc = (ROOT / "docs" / "writing-plugins.md").read_text()
    for path in (
        "tests/plugins/hello/pyproject.toml",
        "tests/plugins/hello/chinwag_hello/__init__.py",
    ):
        assert (ROOT / path).read_text() in doc, f"docs/writing-plugins.md no longer quotes {path}"
