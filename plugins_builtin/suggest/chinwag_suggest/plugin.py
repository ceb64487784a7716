"""What the suggestion plugin declares, and its settings (page rules, segments, limits)."""

from __future__ import annotations

from chinwag_plugin_api import PluginInfo, RowId, StrictSchema
from marshmallow import fields, validate

_QUESTION = fields.String(validate=validate.Length(min=1, max=200))
_QUESTIONS = fields.List(_QUESTION, required=True, validate=validate.Length(min=1, max=6))


class PageRule(StrictSchema):
    """Chips offered on pages whose path matches ``url``: a glob (``*`` wildcards, as
    ``show_on``) or, with ``match: "prefix"``, every path starting with it; on the ``sites``
    listed (ids), or every site when empty (chinwag_suggest.pages)."""

    url = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), validate.Regexp(r"^(/|\*|https?://)")],
    )
    match = fields.String(load_default="glob", validate=validate.OneOf(["glob", "prefix"]))
    sites = fields.List(
        RowId(),
        load_default=list,
        validate=validate.Length(max=100),
    )
    questions = _QUESTIONS


class Segment(StrictSchema):
    """Questions offered to visitors whose attribute ``attribute`` equals ``value`` (the
    attributes a site passes with a verified identity, e.g. ``plan``)."""

    attribute = fields.String(required=True, validate=validate.Length(min=1, max=64))
    value = fields.String(required=True, validate=validate.Length(max=200))
    questions = _QUESTIONS


class SuggestSettings(StrictSchema):
    pages = fields.List(
        fields.Nested(PageRule),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={
            "description": 'Chips per page: [{"url": "/pricing", "match": "prefix" (or "glob", '
            'the default), "sites": [1] (empty: all), "questions": ["How much does it cost?"]}].'
        },
    )
    segments = fields.List(
        fields.Nested(Segment),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={
            "description": 'Per segment: [{"attribute": "plan", "value": "pro", "questions": [...]}].'
        },
    )
    max_chips = fields.Integer(
        load_default=4,
        validate=validate.Range(min=1, max=6),
        metadata={"description": "Most chips offered after an answer."},
    )
    chips_intro = fields.String(
        load_default="You might also ask:",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The line above the chips after a bot answer."},
    )
    page_intro = fields.String(
        load_default="Popular questions on this page:",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The line above a page's chips."},
    )


INFO = PluginInfo(
    display_name="Suggestions",
    settings_schema=SuggestSettings,
    enabled_by_default=False,
    migrations="chinwag_suggest.migrations",
)
