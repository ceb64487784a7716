"""``chinwag secrets rotate``: re-encrypt every secret stored in the database with the newest
data key (:mod:`chinwag.secrets_at_rest` says what is encrypted and how)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, text

from chinwag.extensions import db
from chinwag.models import PluginState
from chinwag.plugins.admin import _next_revision
from chinwag.secrets_at_rest import is_encrypted, rotate


def rotate_all(secret_settings: Mapping[str, Any]) -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key, in one transaction (the caller
    commits): sites' identity secrets, and plugins' settings (``secret_settings``: plugin name
    -> names of its secret fields; any value already encrypted is re-encrypted whatever its
    plugin). Returns how many values were rewritten, per kind."""
    counts = {"site_secrets": 0, "plugin_secrets": 0}
    rows = db.session.execute(
        text("SELECT id, identity_secret, identity_secret_previous FROM sites")
    ).all()
    for site_id, current, previous in rows:
        new = {"c": rotate(current), "p": rotate(previous) if previous else previous}
        db.session.execute(
            text(
                "UPDATE sites SET identity_secret = :c, identity_secret_previous = :p "
                "WHERE id = :id"
            ),
            {**new, "id": site_id},
        )
        counts["site_secrets"] += 1 + bool(previous)
    for state in db.session.execute(select(PluginState)).scalars().all():
        names = set(secret_settings.get(state.name, ()))
        stored = dict(state.settings or {})
        changed = False
        for key, value in stored.items():
            if isinstance(value, str) and value and (is_encrypted(value) or key in names):
                stored[key] = rotate(value)
                changed = True
                counts["plugin_secrets"] += 1
        if changed:
            state.settings = stored
            state.revision = _next_revision()  # every process re-reads the new ciphertext
            db.session.flush()
    return counts
