"""Alembic revisions of the media plugin (its own branch, after the core's first revision)."""
