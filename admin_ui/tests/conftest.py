"""Fixtures of the admin's tests; the Playwright ``chromium``/``page`` fixtures and the rest
come from the ``chinwag.testing`` pytest plugin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the widget's npm install (``make test`` runs ``npm ci`` in widget/)."""
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: run `make widget` (npm ci in widget/)")
        pytest.skip("axe-core is not installed (run `make widget`)")
    return AXE.read_text()
