"""``RowId``: the plugin API's field for an id of a database row (bounded, positive), refused
as ``400 validation_error`` past the bound and stated in the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_plugin_api import MAX_ROW_ID, RoutesProvider, RowId, StrictSchema, endpoint
from flask import Blueprint
from marshmallow import ValidationError, fields, validate

from chinwag.testing import register_plugin


def _even(n: int) -> None:
    if n % 2:
        raise ValidationError("Not even.")


class Query(StrictSchema):
    site_id = RowId(required=True)
    even = RowId(validate=_even)
    ids = fields.List(RowId(strict=True), validate=validate.Length(max=3))


@pytest.mark.parametrize("value", [1, "1", MAX_ROW_ID, str(MAX_ROW_ID)])
def test_an_id_from_one_to_the_bound_loads(value: Any) -> None:
    assert Query().load({"site_id": value})["site_id"] == int(value)


@pytest.mark.parametrize(
    "value", [0, -1, MAX_ROW_ID + 1, "99999999999999999999", 1.5, "x", True, None]
)
def test_anything_else_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Query().load({"site_id": value})
    assert list(caught.value.messages) == ["site_id"]


def test_extra_checks_run_after_the_bound_and_strict_is_passed_on() -> None:
    assert Query().load({"site_id": 1, "even": 4})["even"] == 4
    with pytest.raises(ValidationError, match="Not even"):
        Query().load({"site_id": 1, "even": 3})
    with pytest.raises(ValidationError, match="Not an id"):
        Query().load({"site_id": 1, "even": 0})
    assert Query().load({"site_id": 1, "ids": [1, 2]})["ids"] == [1, 2]
    with pytest.raises(ValidationError, match="ids"):
        Query().load({"site_id": 1, "ids": ["1"]})  # strict: a string is no id in a JSON body


bp = Blueprint("rowid13", __name__)


@endpoint(bp, "/items", query=Query, roles=None)
def items(query: dict[str, Any]) -> Any:
    """List items of a site."""
    return {"site_id": query["site_id"]}


class Items(RoutesProvider):
    def blueprint(self) -> Blueprint:
        return bp


def test_a_route_answers_validation_error_for_an_id_past_the_bound(
    chinwag_app: Any, chinwag_client: Any
) -> None:
    register_plugin(chinwag_app, "chinwag-rowid13", Items)
    url = "/api/v1/plugins/chinwag-rowid13/items"
    assert chinwag_client.get(f"{url}?site_id=7").get_json() == {"site_id": 7}
    for bad in ("99999999999999999999", "0", str(MAX_ROW_ID + 1)):
        res = chinwag_client.get(f"{url}?site_id={bad}")
        assert res.status_code == 400
        error = res.get_json()["error"]
        assert error["code"] == "validation_error" and "site_id" in error["details"]


def test_the_openapi_document_states_the_range(chinwag_app: Any, chinwag_client: Any) -> None:
    register_plugin(chinwag_app, "chinwag-rowid13", Items)
    doc = chinwag_client.get("/api/v1/openapi.json").get_json()
    params = doc["paths"]["/api/v1/plugins/chinwag-rowid13/items"]["get"]["parameters"]
    site = next(p for p in params if p["name"] == "site_id")
    assert site["schema"]["minimum"] == 1 and site["schema"]["maximum"] == MAX_ROW_ID == 2**31 - 1
