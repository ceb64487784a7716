"""The built-in plugins' tests and the admin's use only ``chinwag.testing`` of the core (and the
plugin API, and their own packages and helpers), as a third-party plugin's tests can: a fixture
or helper they need belongs in ``chinwag.testing``, a test of a core internal in core/tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = "chinwag.testing"


def _core_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``path:line module`` for each import of the core package other than chinwag.testing."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "chinwag":  # `from chinwag import testing` is chinwag.testing
                names = [f"chinwag.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            core = name == "chinwag" or name.startswith("chinwag.")
            if core and not (name == ALLOWED or name.startswith(ALLOWED + ".")):
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def test_plugin_and_admin_tests_import_only_chinwag_testing() -> None:
    folders = [ROOT / "admin_ui" / "tests", *sorted(ROOT.glob("plugins_builtin/*/tests"))]
    files = [p for folder in folders for p in sorted(folder.rglob("*.py"))]
    assert len(files) > 50  # the globs still find the tests
    assert [hit for path in files for hit in _core_imports(path)] == []


def test_the_check_sees_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import chinwag\nfrom chinwag.models import Message\nfrom chinwag import consent\n"
        "from chinwag import testing\nfrom chinwag.testing import run_jobs\n"
        "import chinwag_plugin_api\nfrom chinwag_media import plugin\n"
        "def later():\n    from chinwag.api.inbox import preview\n"
    )
    assert _core_imports(sample, tmp_path) == [
        "test_sample.py:1 chinwag",
        "test_sample.py:2 chinwag.models",
        "test_sample.py:3 chinwag.consent",
        "test_sample.py:9 chinwag.api.inbox",
    ]
