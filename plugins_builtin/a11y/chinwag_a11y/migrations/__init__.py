"""Alembic revisions of the accessibility plugin (its own branch, after the core's first)."""
