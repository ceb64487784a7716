"""chinwag-kb: a knowledge base for Chinwag.

The Python API for other plugins is :func:`search` and its :class:`Hit` (docs/kb.md)::

    from chinwag_kb import Hit, search
"""

from chinwag_kb.search import Hit, search

__all__ = ["Hit", "search"]
