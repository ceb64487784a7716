"""The on-demand audit: queued as a background job, run in a child process with a time limit.

Chromium is optional on the server. Without Playwright, a Chromium executable or the axe-core
script, an audit ends at once as ``unavailable`` with the reason (nothing fails, nothing hangs).
Where each comes from: the plugin settings ``chromium_path`` (default ``/usr/bin/chromium``,
Debian's package) and ``axe_script`` (a path to ``axe.min.js``, e.g. from ``npm install
axe-core``; the repository's widget build installs one under ``widget/node_modules``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chinwag_plugin_api import PluginContext

from chinwag_a11y.models import Audit

#: most audits kept per site (the oldest go first)
HISTORY = 50


def unavailable_reason(settings: Mapping[str, Any]) -> str | None:
    """Why no audit can run on this server, or None when it can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install 'chinwag-a11y[audit]')."
    chromium = str(settings.get("chromium_path") or "")
    if not (chromium and os.access(chromium, os.X_OK)):
        return f"No Chromium at {chromium or '(not set)'} (install Debian's chromium package)."
    axe = str(settings.get("axe_script") or "")
    if not (axe and os.path.isfile(axe)):
        return f"No axe-core script at {axe or '(not set)'} (set axe_script to axe.min.js)."
    return None


def running_audit(ctx: PluginContext, site_key: str) -> Audit | None:
    """The site's audit still queued or running, if it started recently enough to be alive
    (three time limits: one whose job died for good does not block the site forever)."""
    limit = int(ctx.settings.get("audit_timeout_seconds") or 120)
    since = datetime.now(UTC) - timedelta(seconds=3 * limit)
    return (
        ctx.db_session.query(Audit)
        .filter(
            Audit.site_key == site_key,
            Audit.status.in_(("queued", "running")),
            Audit.created_at >= since,
        )
        .order_by(Audit.id.desc())
        .first()
    )


def queue_audit(ctx: PluginContext, site_key: str) -> Audit:
    """Record a new audit of a site's widget and queue it (or end it as unavailable). One audit
    per site at a time: while one is queued or running, that one is answered (each audit drives
    a Chromium; pressing the button twice starts nothing more)."""
    session = ctx.db_session
    current = running_audit(ctx, site_key)
    if current is not None:
        return current
    audit = Audit(site_key=site_key, status="queued", results={})
    reason = unavailable_reason(ctx.settings)
    if reason:
        audit.status, audit.error, audit.finished_at = "unavailable", reason, datetime.now(UTC)
    session.add(audit)
    session.flush()
    old = (
        session.query(Audit)
        .filter(Audit.site_key == site_key)
        .order_by(Audit.id.desc())
        .offset(HISTORY)
        .all()
    )
    for row in old:
        session.delete(row)
    session.commit()
    if not reason:
        ctx.run_in_background(run_audit, ctx, audit.id)
    return audit


def run_audit(ctx: PluginContext, audit_id: int) -> None:
    """The job: run the audit's child process within ``audit_timeout_seconds`` and store what
    it found. A time-out or a crash is stored as ``failed`` with the reason (not retried: the
    same page would time out again)."""
    session = ctx.db_session
    audit = session.get(Audit, audit_id)
    if audit is None or audit.status not in ("queued", "running"):
        return
    audit.status = "running"
    session.commit()
    base = ctx.url_for("audits").split("/api/v1/")[0]
    config = {
        "base": base,
        "site_key": audit.site_key,
        "chromium": ctx.settings["chromium_path"],
        "axe": ctx.settings["axe_script"],
    }
    limit = int(ctx.settings.get("audit_timeout_seconds") or 120)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "chinwag_a11y.audit_runner", json.dumps(config)],
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            )
        found = json.loads(done.stdout)
        audit.status, audit.results, audit.violations = "done", found, int(found["violations"])
    except subprocess.TimeoutExpired:
        audit.status, audit.error = "failed", f"The audit took longer than {limit} s."
    except (RuntimeError, ValueError, KeyError) as exc:
        audit.status, audit.error = "failed", f"The audit failed: {str(exc)[:500]}"
    audit.finished_at = datetime.now(UTC)
    session.commit()


def audit_dict(audit: Audit) -> dict[str, Any]:
    """An audit as the API answers it."""
    return {
        "id": audit.id,
        "site_key": audit.site_key,
        "status": audit.status,
        "violations": audit.violations,
        "results": audit.results or {},
        "error": audit.error,
        "created_at": audit.created_at,
        "finished_at": audit.finished_at,
    }
