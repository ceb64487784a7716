"""Alembic revisions of chinwag-answerbot-llm (its own branch, applied by ``chinwag db upgrade``)."""
