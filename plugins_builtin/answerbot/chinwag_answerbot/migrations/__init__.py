"""Alembic revisions of chinwag-answerbot (its own branch, applied by ``chinwag db upgrade``)."""
