"""chinwag-kb-semantic: semantic search for chinwag-kb, hybrid-ranked with its full text.

Registers :class:`chinwag_kb_semantic.extension.Semantic` under chinwag-kb's ``chinwag_kb.search``
entry points; ``chinwag_kb.search`` uses it for sites where this plugin is enabled.
"""
