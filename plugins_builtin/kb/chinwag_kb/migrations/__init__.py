"""Alembic revisions of the knowledge base (branch ``chinwag_kb``)."""
