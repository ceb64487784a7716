"""Ids of database rows in request schemas: one field type instead of a bound retyped by hand.

Every id of the core and of plugin tables is a 32-bit signed integer in the database
(SQLite and PostgreSQL alike). An unbounded ``fields.Integer`` lets a 20-digit id through to a
query, where PostgreSQL fails with "integer out of range" and the route answers 500; a
:class:`RowId` refuses it at validation, as ``400 validation_error`` with the field named in
``details``, and the OpenAPI document states the range (``minimum: 1``,
``maximum: 2147483647``), so clients and the contract fuzzer know it.

Added in 1.6.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from chinwag_plugin_api.versions import added

#: the largest id a database row can have (a 32-bit signed integer column)
MAX_ROW_ID = 2**31 - 1

_ERROR = f"Not an id: a whole number from 1 to {MAX_ROW_ID}."


@added("1.6")
class RowId(fields.Integer):
    """An id of a database row: a whole number from 1 to ``MAX_ROW_ID`` (2**31 - 1, exported beside it).

    Takes every argument of ``fields.Integer`` (``required``, ``allow_none``, ``load_default``,
    ``strict=True`` to refuse ``"12"`` in a JSON body; leave it off for query strings, which
    are text). Extra ``validate=`` checks run after the bound. Use it for every id a request
    names (a site, a conversation, a cursor of ids); a path's ``<int:...>`` needs nothing, as
    the core answers ``400 invalid_id`` for a path id past the bound.
    """

    def __init__(self, **kwargs: Any) -> None:
        extra = kwargs.pop("validate", None)
        checks: list[Any] = [validate.Range(min=1, max=MAX_ROW_ID, error=_ERROR)]
        if callable(extra):
            checks.append(extra)
        elif extra is not None:
            checks.extend(extra)
        super().__init__(validate=checks, **kwargs)

    def _validated(self, value: Any) -> int:
        # plain ``fields.Integer`` truncates 1.5 to 1: a fraction names no row
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)
