"""Markdown to safe HTML. Two layers: markdown-it renders CommonMark with raw HTML switched off
(so ``<script>`` in an article is shown as text), then nh3 (the Ammonia sanitiser) keeps only
an allow-list of tags and attributes and drops ``javascript:`` and other unsafe URLs. Either
layer alone would do for honest authors; both together hold when one has a bug."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def to_html(markdown: str) -> str:
    """The article body as HTML safe to put into any page."""
    return nh3.clean(
        _MD.render(markdown or ""),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
