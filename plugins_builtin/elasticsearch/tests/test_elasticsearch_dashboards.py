"""The Kibana / OpenSearch Dashboards saved objects shipped in the distribution: every line is
an object, every reference resolves inside the file, and every field a visualisation counts or
filters on is one the index template maps (with a type that aggregates)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from chinwag_elasticsearch.documents import MAPPINGS

AGGREGATABLE = {"keyword", "date", "long", "double", "boolean"}


def _objects() -> list[dict[str, Any]]:
    text = (
        resources.files("chinwag_elasticsearch")
        .joinpath("dashboards/chinwag-dashboards.ndjson")
        .read_text(encoding="utf-8")
    )
    lines = text.splitlines()
    assert lines and all(line.strip() for line in lines)
    return [json.loads(line) for line in lines]


def test_every_line_is_a_saved_object_and_every_reference_resolves() -> None:
    objects = _objects()
    by_key = {(o["type"], o["id"]): o for o in objects}
    assert len(by_key) == len(objects), "ids are unique per type"
    assert {o["type"] for o in objects} == {"index-pattern", "visualization", "dashboard"}
    for obj in objects:
        assert obj["attributes"]["title"]
        names = set()
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_key, f"{obj['id']}: unresolved {ref}"
            names.add(ref["name"])
        attrs = obj["attributes"]
        if obj["type"] == "visualization":
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            assert source["indexRefName"] in names
            json.loads(attrs["visState"])
        if obj["type"] == "dashboard":
            panels = json.loads(attrs["panelsJSON"])
            assert {p["panelRefName"] for p in panels} == names
            assert len({p["panelIndex"] for p in panels}) == len(panels)
    (pattern,) = [o for o in objects if o["type"] == "index-pattern"]
    assert pattern["attributes"]["title"] == "chinwag-events-*"
    assert pattern["attributes"]["timeFieldName"] == "@timestamp"


def test_the_dashboard_shows_the_first_party_figures_from_mapped_fields() -> None:
    objects = _objects()
    mapped = MAPPINGS["properties"]
    events = set()
    for vis in (o for o in objects if o["type"] == "visualization"):
        state = json.loads(vis["attributes"]["visState"])
        for agg in state["aggs"]:
            field = agg["params"].get("field")
            if field is not None:
                assert mapped[field]["type"] in AGGREGATABLE, (vis["id"], field)
        query = json.loads(vis["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        for field, value in re.findall(r'(\S+) : "([^"]+)"', query["query"]["query"]):
            assert field in mapped
            events.add(value)
    # conversations per day, messages by author kind, first response, ratings and CSAT
    assert events == {
        "conversation.started",
        "message.sent",
        "conversation.first_response",
        "feedback.rating_given",
        "feedback.csat_answered",
    }
    (dashboard,) = [o for o in objects if o["type"] == "dashboard"]
    shown = {r["id"] for r in dashboard["references"]}
    assert shown == {o["id"] for o in objects if o["type"] == "visualization"}
    # the catalogue names them (when the repository's docs are at hand)
    catalogue = Path(__file__).resolve().parents[3] / "docs" / "analytics.md"
    if catalogue.exists():
        text = catalogue.read_text(encoding="utf-8")
        assert all(f"`{name}`" in text for name in events)
