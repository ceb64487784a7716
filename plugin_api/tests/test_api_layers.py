"""The plugin API's modules import one another in one direction only, type-checking imports
included (import-linter skips those): the context sits below the extension points, and the values
both sides share (``Event``, ``Advice``, ``StorageDriver``) sit below the context."""

from __future__ import annotations

import ast
from pathlib import Path

import chinwag_plugin_api
from chinwag_plugin_api import content, events, points, storage, values

PACKAGE = Path(chinwag_plugin_api.__file__).parent


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = path.stem
        if name == "__init__":
            continue  # the package's front door re-exports everything
        targets = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):  # TYPE_CHECKING blocks too
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "chinwag_plugin_api."
            ):
                targets.add(node.module.split(".")[1])  # type: ignore[union-attr]
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph.get(name, ())):
            found = visit(target, [*trail, name])
            if found:
                return found
        done.add(name)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_module_of_the_api_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    assert "context" in graph and "points" in graph  # the walk saw the package
    assert _circle(graph) is None


def test_the_check_finds_a_circle() -> None:
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_context_imports_no_extension_point_module() -> None:
    assert _graph()["context"] <= {"values", "storage", "versions"}


def test_moved_names_are_still_where_plugins_import_them() -> None:
    assert events.Event is values.Event is chinwag_plugin_api.Event
    assert content.Advice is values.Advice is chinwag_plugin_api.Advice
    assert content.ADVICE_SEVERITIES is values.ADVICE_SEVERITIES
    assert points.StorageDriver is storage.StorageDriver is chinwag_plugin_api.StorageDriver
    assert points.EXTENSION_POINTS["chinwag.storage"] is storage.StorageDriver
