"""Chinwag: self-hosted, embeddable website chat."""

from typing import Any

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Any:
    """Build the Flask application (see :func:`chinwag.app.create_app`)."""
    from chinwag.app import create_app as _create_app

    return _create_app(config)
