"""Fixtures of the admin's tests: the Playwright ``chromium``/``page`` fixtures are shared with
the top-level tests (one definition, loaded from tests/conftest.py); the rest comes from the
``chinwag.testing`` pytest plugin."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "chinwag_browser_fixtures", ROOT / "tests" / "conftest.py"
)
assert _spec and _spec.loader
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)

chromium = _shared.chromium
page = _shared.page

AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the widget's npm install (``make test`` runs ``npm ci`` in widget/)."""
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: run `make widget` (npm ci in widget/)")
        pytest.skip("axe-core is not installed (run `make widget`)")
    return AXE.read_text()
