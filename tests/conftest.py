"""Cross-package tests. Fixtures (apps, clients, live servers, services, Debian's Chromium through
Playwright) come from the ``chinwag.testing`` pytest plugin."""

from typing import Any

import pytest

#: the longest files of the suite (``--durations``) start first: ``make test`` hands out whole
#: files to its workers, and one of these begun last would run alone at the end
SLOW_FIRST = (
    "tests/security/test_schemathesis.py",
    "tests/realtime/test_ledger.py",
    "tests/realtime/test_jobs_multiprocess.py",
    "tests/widget/test_widget_a11y_browser.py",
    "plugins_builtin/a11y/tests/test_a11y_browser.py",
    "admin_ui/tests/test_inbox_browser.py",
)


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle, which would undo it
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    def rank(item: Any) -> int:
        path = item.nodeid.split("::", 1)[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the rest keeps its order
