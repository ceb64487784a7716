"""Plugin settings: validated by the plugin's marshmallow schema, secrets masked in every output.

A secret field (``secret_field(env=...)``) may be supplied by an environment variable instead of
the database; the stored value wins when both exist. Stored secrets are encrypted
(:mod:`chinwag.secrets_at_rest`): sealed by :meth:`SettingsCodec.merge`, revealed when read.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate

from chinwag import secrets_at_rest

log = logging.getLogger(__name__)
MASK = "********"

_TYPES: tuple[tuple[type[fields.Field[Any]], str], ...] = (
    (fields.Boolean, "boolean"),
    (fields.Integer, "integer"),
    (fields.Float, "number"),
    (fields.Decimal, "number"),
    (fields.List, "list"),
    (fields.Email, "email"),
    (fields.URL, "url"),
    (fields.String, "string"),
)


class SettingsCodec:
    """Reads, validates, masks and describes one plugin's settings."""

    def __init__(self, schema: type[Schema] | None) -> None:
        self.schema = schema

    def _fields(self) -> dict[str, fields.Field[Any]]:
        return dict(self.schema().fields) if self.schema else {}

    def secrets(self) -> dict[str, str | None]:
        return {
            name: f.metadata.get("env")
            for name, f in self._fields().items()
            if f.metadata.get("secret")
        }

    def effective(self, stored: dict[str, Any]) -> dict[str, Any]:
        if self.schema is None:
            return secrets_at_rest.reveal(stored)
        data = secrets_at_rest.reveal(stored)
        for name, env in self.secrets().items():
            if not data.get(name) and env and os.environ.get(env):
                data[name] = os.environ[env]
        try:
            loaded: dict[str, Any] = self.schema().load(data)
        except ValidationError as err:
            log.warning(
                "stored plugin settings no longer valid: %s", list(err.normalized_messages())
            )
            return data
        return loaded

    def masked(self, values: dict[str, Any]) -> dict[str, Any]:
        secret = self.secrets()
        return {k: (MASK if v else "") if k in secret else v for k, v in values.items()}

    def merge(self, stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Validate ``changes`` over the stored settings; return what to store (JSON-ready).

        A secret sent back as the mask keeps its stored value. Raises ``ValidationError``.
        """
        if self.schema is None:
            if changes:
                raise ValidationError({k: ["Unknown setting."] for k in changes})
            return {}
        secret = self.secrets()
        # JSON types as the OpenAPI document states them: marshmallow alone would take 0 for
        # False or "5" for 5, and what is accepted must be what the document allows
        wrong = record_type_errors(self._fields(), {k: v for k, v in changes.items() if v != MASK})
        if wrong:
            raise ValidationError(wrong)
        merged = secrets_at_rest.reveal(stored)
        for key, value in changes.items():
            if key in secret and value == MASK:
                continue
            merged[key] = value
        schema = self.schema()
        result: dict[str, Any] = schema.dump(schema.load(merged))
        return secrets_at_rest.seal(result, secret)  # secrets are stored encrypted

    def describe(self) -> list[dict[str, Any]]:
        """Field descriptions the admin renders a form from."""
        return describe_fields(self._fields())


def _structure(f: fields.Field[Any]) -> tuple[str, fields.Field[Any] | None] | None:
    """``(shape, item)`` of a field the admin edits as JSON, else ``None``.

    Shapes: ``object`` (a nested schema), ``map`` (a dict; ``item`` is its value field),
    ``array`` (a list of objects or maps; ``item`` is the element field)."""
    if isinstance(f, fields.Nested):
        return ("array" if f.many else "object"), f
    if isinstance(f, fields.Mapping):
        return "map", f.value_field
    if isinstance(f, fields.List) and _structure(f.inner) is not None:
        return "array", f.inner
    return None


def _item_fields(item: fields.Field[Any] | None) -> list[dict[str, Any]] | None:
    """The fields of the objects inside a JSON setting, so the form can say what goes there."""
    if isinstance(item, fields.Nested) and isinstance(item.schema, Schema):
        return describe_fields(dict(item.schema.fields))
    return None


def describe_fields(named: dict[str, fields.Field[Any]]) -> list[dict[str, Any]]:
    """Describe marshmallow fields as the admin's settings form needs them.

    Types: boolean, integer, number, list (of strings), email, url, string, and ``json`` for
    nested objects, dicts and lists of objects (edited as JSON, validated by the schema; the
    ``shape`` and ``item_fields`` keys tell what the JSON holds)."""
    out = []
    for name, f in named.items():
        structure = _structure(f)
        kind = (
            "json" if structure else next((t for cls, t in _TYPES if isinstance(f, cls)), "string")
        )
        choices = None
        for v in f.validators:
            if isinstance(v, validate.OneOf):
                choices = list(v.choices)
        default = f.load_default
        entry: dict[str, Any] = {
            "name": name,
            "type": kind,
            "required": f.required,
            "default": None if callable(default) or default is missing else default,
            "secret": bool(f.metadata.get("secret")),
            "env": f.metadata.get("env"),
            "description": f.metadata.get("description", ""),
            "choices": choices,
        }
        if structure is not None:
            shape, item = structure
            entry["shape"] = shape
            entry["item_fields"] = _item_fields(item)
        out.append(entry)
    return out


def record_type_errors(
    named: dict[str, fields.Field[Any]], values: dict[str, Any]
) -> dict[str, Any]:
    """Per key of ``values``, the error when its JSON type is not the one its field documents
    (unknown keys are left to the schema)."""
    errors: dict[str, Any] = {}
    for key, value in values.items():
        f = named.get(key)
        error = json_type_error(f, value) if f is not None else None
        if error is not None:
            errors[key] = error
    return errors


def json_type_error(f: fields.Field[Any], value: Any) -> Any:
    """None when ``value`` has the JSON type ``f`` documents, else a marshmallow-shaped error."""
    if value is None:
        return None  # allow_none is the schema's to decide
    if isinstance(f, fields.Boolean):
        return None if isinstance(value, bool) else "Not a valid boolean."
    if isinstance(f, fields.Integer):
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else "Not a valid integer."
        )
    if isinstance(f, fields.Number):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "Not a valid number."
    if isinstance(f, fields.String):
        return None if isinstance(value, str) else "Not a valid string."
    if isinstance(f, fields.List):
        if not isinstance(value, list):
            return "Not a valid list."
        items = {
            i: e for i, v in enumerate(value) if (e := json_type_error(f.inner, v)) is not None
        }
        return items or None
    if isinstance(f, fields.Mapping):
        if not isinstance(value, dict):
            return "Not a valid mapping type."
        inner = f.value_field
        if inner is None:
            return None
        entries = {
            k: {"value": e}
            for k, v in value.items()
            if (e := json_type_error(inner, v)) is not None
        }
        return entries or None
    if isinstance(f, fields.Nested) and isinstance(f.schema, Schema):
        named = dict(f.schema.fields)
        if f.many:
            if not isinstance(value, list):
                return "Not a valid list."
            rows = {
                i: (record_type_errors(named, v) if isinstance(v, dict) else "Not a valid object.")
                for i, v in enumerate(value)
            }
            return {i: e for i, e in rows.items() if e} or None
        if not isinstance(value, dict):
            return "Not a valid object."
        return record_type_errors(named, value) or None
    return None
