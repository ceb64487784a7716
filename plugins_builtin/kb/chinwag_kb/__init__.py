"""chinwag-kb: a knowledge base for Chinwag.

The Python API for other plugins is :func:`search` and its :class:`Hit` (docs/kb.md)::

    from chinwag_kb import Hit, search

A distribution adds a ranking to that search with a :class:`SearchExtension` under the
entry-point group ``chinwag_kb.search`` (chinwag-kb-semantic does).
"""

from chinwag_kb.extensions import SearchExtension
from chinwag_kb.search import Hit, search

__all__ = ["Hit", "SearchExtension", "search"]
