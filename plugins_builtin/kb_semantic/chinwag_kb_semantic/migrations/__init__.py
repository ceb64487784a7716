"""Alembic revisions of chinwag-kb-semantic (branch ``chinwag_kb_semantic``)."""
