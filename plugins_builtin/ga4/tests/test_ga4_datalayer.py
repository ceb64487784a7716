"""The host page's dataLayer (docs/ga4.md): chinwag-ga4 declares ``HostPageEvents`` for the
sites named in ``datalayer_sites`` (``*``: every site) and for no other, whether or not the
Measurement Protocol is configured; a malformed list is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from marshmallow import ValidationError

from chinwag.testing import configure_plugin, enable_plugin

PLUGIN = "chinwag-ga4"


def _host_events(session: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in session["features"]["features"] if f["type"] == "host_events"]


def test_only_the_sites_that_opted_in_push_to_their_datalayer(
    chinwag_app: Any, demo_site: dict[str, Any], visitor_session: Callable[..., dict[str, Any]]
) -> None:
    enable_plugin(chinwag_app, PLUGIN)  # no measurement id: the dataLayer does not need one
    assert _host_events(visitor_session()) == []  # nobody opted in

    configure_plugin(chinwag_app, PLUGIN, datalayer_sites=f"{demo_site['id'] + 1}")
    assert _host_events(visitor_session()) == []  # another site did

    configure_plugin(
        chinwag_app, PLUGIN, datalayer_sites=f"{demo_site['id'] + 1},{demo_site['id']}"
    )
    (feature,) = _host_events(visitor_session())
    assert feature["prefix"] == "chinwag_"
    # the socket events the widget's chunk watches come from the protocol, with the feature
    assert feature["watch"] == {
        "track": "widget.track",
        "send": "message.send",
        "consent": "consent.update",
    }

    configure_plugin(chinwag_app, PLUGIN, datalayer_sites="*")
    assert len(_host_events(visitor_session())) == 1
    enable_plugin(chinwag_app, PLUGIN, False)
    assert _host_events(visitor_session()) == []


@pytest.mark.parametrize("value", ["all", "1;2", "0", "1,", " 1", "-3"])
def test_a_malformed_site_list_is_refused(chinwag_app: Any, value: str) -> None:
    with pytest.raises(ValidationError) as err:
        configure_plugin(chinwag_app, PLUGIN, datalayer_sites=value)
    assert "datalayer_sites" in err.value.normalized_messages()
