"""Alembic revisions of chinwag-feedback (its own branch, applied by ``chinwag db upgrade``)."""
