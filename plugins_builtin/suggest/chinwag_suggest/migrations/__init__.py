"""Alembic revisions of chinwag-suggest (its own branch, applied by ``chinwag db upgrade``)."""
