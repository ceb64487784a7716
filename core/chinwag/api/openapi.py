"""``GET /api/v1/openapi.json``: generated from the routes' marshmallow schemas."""

from __future__ import annotations

import copy
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify
from marshmallow import fields, validate
from werkzeug.routing import IntegerConverter

import chinwag
from chinwag.api.base import AUTH_ERRORS
from chinwag.errors import MAX_PATH_ID
from chinwag.state import state

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_ERROR: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
}


#: what the server itself answers on any operation, before or beside its view: a request cut
#: off by the deadline, a request line over 8 KB, a request line or header gevent cannot
#: parse (a header line over 64 KB), too many connections, a failure (``http_guard``)
SERVER_ERRORS = {
    "malformed_request": 400,
    "request_timeout": 408,
    "uri_too_long": 414,
    "internal_error": 500,
    "too_many_connections": 503,
}
#: what any operation with a body may answer: a body over ``CHINWAG_MAX_HTTP_BUFFER``
BODY_ERRORS = {"payload_too_large": 413}
#: what a JSON body may be refused as, on every route (``chinwag.jsonsafe``)
JSON_ERRORS = {"invalid_json": 400, "json_too_deep": 400, "invalid_text": 400}
#: what an operation with an id in its path may answer: an id beyond the database's integers,
#: and one that is no integer at all (``-1``, ``abc``: the path matches no route)
PATH_ID_ERRORS = {"invalid_id": 400, "not_found": 404}
#: what a plugin's operation answers while the plugin is off (``app._plugin_gate``)
PLUGIN_ERRORS = {"plugin_disabled": 404}
#: what a plugin's operation that needs a caller answers for a bad bearer token
TOKEN_ERRORS = {code: status for code, status in AUTH_ERRORS.items() if code != "auth_required"}


def operation_errors(app: Flask, rule: Any, doc: Any) -> dict[str, int]:
    """Every error code the operation of ``rule`` can answer with, and its status: what its
    route declares (``endpoint(errors=...)`` and what its schemas, roles and rate limit imply)
    and what the server adds around every route."""
    codes: dict[str, int] = {**SERVER_ERRORS, **getattr(doc, "errors", {})}
    if doc.body is not None:
        codes.update(BODY_ERRORS)
        if getattr(doc, "body_media_type", "application/json") == "application/json":
            codes.update(JSON_ERRORS)
    if any(isinstance(conv, IntegerConverter) for conv in rule._converters.values()):
        codes.update(PATH_ID_ERRORS)
    if (rule.endpoint or "").split(".")[0] in state(app).plugin_blueprints:
        codes.update(PLUGIN_ERRORS)
        if doc.roles is not None:  # the gate and the role check read a bearer token's user
            codes.update(unauthorized=401, **TOKEN_ERRORS)
    return codes


def _error_responses(codes: dict[str, int], limit: Any) -> dict[str, Any]:
    """One response per status, its body's ``error.code`` one of the codes listed for it."""
    out: dict[str, Any] = {}
    for status in sorted(set(codes.values())):
        names = sorted(code for code, s in codes.items() if s == status)
        description = ", ".join(f"`{name}`" for name in names)
        schema: dict[str, Any] = copy.deepcopy(_ERROR)
        schema["required"] = ["error"]
        schema["properties"]["error"]["properties"]["code"] = {"type": "string", "enum": names}
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
        if status == 429 and limit is not None:
            response["description"] = (
                f"{description}: more than {limit.per_minute} calls a minute per {limit.key}; "
                "retry after `Retry-After` seconds"
            )
        if status == 429 or "too_many_connections" in names:
            response["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        out[str(status)] = response
    return out


def _schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _path_schema(converter: Any) -> dict[str, Any]:
    if isinstance(converter, IntegerConverter):
        return {"type": "integer", "minimum": 0, "maximum": MAX_PATH_ID}
    return {"type": "string"}


def _dict_key_pattern(self: Any, field: Any, **_kwargs: Any) -> dict[str, Any]:
    """A dict whose keys are checked by a pattern says so (``propertyNames``), as strict as
    the validation (e.g. per-site overrides keyed by site id)."""
    keys = getattr(field, "key_field", None) if isinstance(field, fields.Dict) else None
    for validator in getattr(keys, "validators", []):
        if isinstance(validator, validate.Regexp):
            return {"propertyNames": {"type": "string", "pattern": validator.regex.pattern}}
        if isinstance(validator, validate.OneOf):  # a closed set of keys: each one named
            values = field.value_field
            item = self.field2property(values) if values is not None else {}
            return {
                "properties": {str(key): item for key in validator.choices},
                "additionalProperties": False,
            }
    return {}


def _cross_field_rules(*schemas: Any) -> list[str]:
    """The schema-level checks (``@validates_schema``) of a route's query and body: rules
    across fields ("one of these", "to after from") that OpenAPI 3.0 cannot state. The document
    names them (``x-cross-field-rules``) so clients and the schemathesis test know a request
    valid field by field may still be refused by them."""
    names: list[str] = []
    for schema in schemas:
        cls = schema if isinstance(schema, type) else type(schema)
        for hook in getattr(cls, "_hooks", {}).get("validates_schema", []):
            names.append(f"{cls.__name__}.{hook[0]}")
    return names


def build_spec(app: Flask) -> dict[str, Any]:
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="Chinwag API",
        version=chinwag.__version__,
        openapi_version="3.0.3",
        plugins=[marshmallow],
        info={"description": "REST API of Chinwag. Errors: `{error: {code, message}}`."},
    )
    marshmallow.converter.add_attribute_function(_dict_key_pattern)  # type: ignore[union-attr]
    spec.components.schema("Error", _ERROR)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = getattr(app.view_functions.get(rule.endpoint), "_chinwag_doc", None)
        if doc is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        ops: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            limit = getattr(doc, "rate_limit", None)  # a plugin route's rate_limit (API 1.3)
            op: dict[str, Any] = {
                "summary": doc.summary,
                "tags": [doc.tag],
                "responses": _error_responses(operation_errors(app, rule, doc), limit),
            }
            if doc.roles is not None:
                op["security"] = [{"bearer": []}]
            params = [
                {"in": "path", "name": name, "required": True, "schema": _path_schema(conv)}
                for name, conv in rule._converters.items()
            ]
            if doc.query is not None:
                params.append({"in": "query", "schema": doc.query})
            if params:
                op["parameters"] = params
            if doc.body is not None:
                op["requestBody"] = {
                    "required": True,
                    # multipart/form-data for a plugin's form=True route (plugin API 1.3)
                    "content": {
                        getattr(doc, "body_media_type", "application/json"): {"schema": doc.body}
                    },
                }
            rules = _cross_field_rules(doc.query, doc.body)
            if rules:
                op["x-cross-field-rules"] = rules
            ok: dict[str, Any] = {"description": "OK"}
            if doc.response is not None:
                schema: Any = doc.response
                if doc.many:
                    schema = {"type": "array", "items": doc.response}
                ok["content"] = {"application/json": {"schema": schema}}
            op["responses"][str(doc.status)] = ok
            ops[method.lower()] = op
        spec.path(path=path, operations=ops)
    doc = spec.to_dict()
    _document_plugin_settings(doc, app, marshmallow)
    return doc


def _document_plugin_settings(doc: dict[str, Any], app: Flask, ma: MarshmallowPlugin) -> None:
    """Each plugin's settings are its own schema: the templated ``/plugins/{name}`` documents
    ``enabled`` only, and every plugin with settings gets its own path whose body is exactly
    what its schema accepts (one schema drives the validation and the document)."""
    templated = doc["paths"].get("/api/v1/plugins/{name}")
    if not templated or "patch" not in templated:
        return
    body = templated["patch"]["requestBody"]["content"]["application/json"]
    body["schema"] = {
        "type": "object",
        "properties": {"enabled": {"type": "boolean"}},
        "additionalProperties": False,
    }
    for name, record in sorted(state(app).plugins.records.items()):
        schema = getattr(record.info, "settings_schema", None)
        if schema is None:
            continue
        settings = ma.converter.schema2jsonschema(schema)  # type: ignore[union-attr]
        settings.pop("required", None)  # a PATCH merges: any subset of the settings
        settings["additionalProperties"] = False
        item = copy.deepcopy(templated)
        for op in item.values():
            op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != "name"]
            if not op["parameters"]:
                del op["parameters"]
        item["patch"]["requestBody"]["content"]["application/json"]["schema"] = {
            "type": "object",
            "properties": {"enabled": {"type": "boolean"}, "settings": settings},
            "additionalProperties": False,
        }
        doc["paths"][f"/api/v1/plugins/{name}"] = item


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """The OpenAPI 3 document of this server."""
    return jsonify(build_spec(current_app))
