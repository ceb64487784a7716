"""Alembic migrations of the core tables, shipped inside the ``chinwag`` wheel."""
