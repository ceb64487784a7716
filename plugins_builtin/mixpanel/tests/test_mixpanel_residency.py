"""chinwag-mixpanel's data residency: the project's region picks Mixpanel's ingestion and GDPR
hosts (docs/mixpanel.md), the US ones by default; ``api_host`` overrides both (a proxy, the
tests' server); an unknown region is refused by the settings form."""

from __future__ import annotations

from typing import Any

import pytest
from chinwag_mixpanel.plugin import Config
from marshmallow import ValidationError

from chinwag.testing import configure_plugin, plugin_context

PLUGIN = "chinwag-mixpanel"


def _config(app: Any) -> Config:
    with app.app_context():
        return Config.of(plugin_context(app, PLUGIN).settings)


def test_the_residency_picks_mixpanels_hosts_and_api_host_overrides_them(
    mixpanel_app: Any,
) -> None:
    configure_plugin(mixpanel_app, PLUGIN, api_host="")
    us = _config(mixpanel_app)
    assert (us.ingestion, us.gdpr) == ("https://api.mixpanel.com", "https://mixpanel.com")
    for region in ("eu", "in"):
        configure_plugin(mixpanel_app, PLUGIN, residency=region)
        config = _config(mixpanel_app)
        assert config.ingestion == f"https://api-{region}.mixpanel.com"
        assert config.gdpr == f"https://{region}.mixpanel.com"
    configure_plugin(mixpanel_app, PLUGIN, api_host="https://proxy.example")
    proxied = _config(mixpanel_app)
    assert (proxied.ingestion, proxied.gdpr) == ("https://proxy.example",) * 2
    with pytest.raises(ValidationError) as refused:
        configure_plugin(mixpanel_app, PLUGIN, residency="mars")
    assert "residency" in refused.value.messages
