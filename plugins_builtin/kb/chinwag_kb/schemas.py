"""Payloads of the knowledge base's routes, defined once: they validate input, shape output and
describe both in the OpenAPI document."""

from __future__ import annotations

from chinwag_plugin_api import RowId, StrictSchema, UtcDateTime
from marshmallow import fields, validate

from chinwag_kb.models import STATUSES

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCALE = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$"
MAX_BODY = 100_000
MAX_ARTICLES_PER_IMPORT = 2000


class ArticleIn(StrictSchema):
    """An article as an admin writes it. ``sites`` lists the sites it is shown on."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(validate=[validate.Length(max=120), validate.Regexp(SLUG)])
    summary = fields.String(load_default="", validate=validate.Length(max=500))
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    locale = fields.String(load_default="en", validate=validate.Regexp(LOCALE))
    status = fields.String(load_default="draft", validate=validate.OneOf(STATUSES))
    sites = fields.List(
        RowId(strict=True),
        load_default=list,
        validate=validate.Length(max=200),
    )


class RevisionOut(StrictSchema):
    """An article as one save left it."""

    version = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    tags = fields.List(fields.String())
    locale = fields.String()
    status = fields.String()
    sites = fields.List(fields.Integer())
    author_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class ArticleOut(RevisionOut):
    """An article now: its latest revision's fields, with its id, slug and last change."""

    id = fields.Integer()
    slug = fields.String()
    updated_at = UtcDateTime()


class ArticleListQuery(StrictSchema):
    site_id = RowId()
    status = fields.String(validate=validate.OneOf(STATUSES))


class PreviewIn(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(max=MAX_BODY))
    site_id = RowId(allow_none=True, load_default=None)


class AdviceOut(StrictSchema):
    code = fields.String()
    message = fields.String()
    severity = fields.String()


class PreviewOut(StrictSchema):
    html = fields.String()
    advice = fields.List(
        fields.Nested(AdviceOut),
        metadata={"description": "what the enabled content checks advise (never blocking)"},
    )


class ImportIn(StrictSchema):
    """The JSON export format: ``{"articles": [ArticleIn, ...]}``; an article whose slug exists
    is updated (a new revision), others are created."""

    articles = fields.List(
        fields.Nested(ArticleIn),
        required=True,
        validate=validate.Length(max=MAX_ARTICLES_PER_IMPORT),
    )


class ImportOut(StrictSchema):
    created = fields.Integer()
    updated = fields.Integer()


class ExportOut(StrictSchema):
    articles = fields.List(fields.Nested(ArticleIn))


class SearchQuery(StrictSchema):
    """``GET /api/v1/kb/search``: the widget's public search."""

    site_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    q = fields.String(required=True, validate=validate.Length(min=1, max=500))
    locale = fields.String(validate=validate.Regexp(LOCALE))
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class HitOut(StrictSchema):
    article_id = fields.Integer()
    title = fields.String()
    url = fields.String()
    summary = fields.String()
    snippet = fields.String()
    score = fields.Float()
    slug = fields.String()
    locale = fields.String()


class SearchOut(StrictSchema):
    hits = fields.List(fields.Nested(HitOut))
