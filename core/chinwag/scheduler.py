"""Runs plugins' scheduled jobs from the server's background loop."""

from __future__ import annotations

import time
from typing import Any

from chinwag_plugin_api import ScheduledJob
from flask import Flask

from chinwag.extensions import db
from chinwag.state import state


def run_due_jobs(app: Flask, last_run: dict[str, Any]) -> None:
    """Run every enabled job once at start, then whenever its interval has passed (per process)."""
    with app.app_context():
        chinwag = state(app)
        host = chinwag.plugins
        now = time.monotonic()
        for record, job in host.extensions(ScheduledJob.namespace):
            key = f"{record.name}:{type(job).__qualname__}"
            if key in last_run and now - last_run[key] < job.interval:
                continue
            last_run[key] = now
            host.call(record, job.run, chinwag.context(record))
        db.session.remove()
