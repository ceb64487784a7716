"""Cross-package tests. Fixtures (apps, clients, live servers, services, Debian's Chromium through
Playwright) come from the ``chinwag.testing`` pytest plugin."""
