"""The sink: each batch of analytics events becomes Measurement Protocol requests
(:mod:`chinwag_ga4.mapping`).

GA4 answers 2xx to anything it can parse (it validates only on ``/debug/mp/collect``, which
:mod:`chinwag_ga4.routes` uses), so only an unreachable service or an error status fails a
batch; the core then keeps it (within ``CHINWAG_ANALYTICS_BUFFER``) and retries it. GA4 has no
deduplication key: requests this process already delivered are remembered (by their content),
so the retry of a batch that failed half way does not send its first half twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import requests
from chinwag_plugin_api import AnalyticsEvent, AnalyticsSink, PluginContext

from chinwag_ga4.mapping import payloads
from chinwag_ga4.plugin import Config

TIMEOUT = 10
SENT_CAP = 50_000  # digests of delivered requests remembered per process


class GA4Error(RuntimeError):
    """GA4 could not be reached or answered with an error status."""


class GA4Sink(AnalyticsSink):
    """Forwards the catalogue's events (docs/analytics.md) to a GA4 web data stream."""

    def __init__(self) -> None:
        self._sent: set[str] = set()

    def track(self, ctx: PluginContext, event: AnalyticsEvent) -> None:
        self.track_batch(ctx, [event])

    def track_batch(self, ctx: PluginContext, events: Sequence[AnalyticsEvent]) -> None:
        config = Config.of(ctx.settings)
        if not config.ready:
            raise GA4Error("no measurement id or API secret set (the plugin's settings)")
        with requests.Session() as http:
            for body in payloads(events, datetime.now(UTC)):
                data = json.dumps(body, separators=(",", ":"), sort_keys=True)
                digest = hashlib.sha256(data.encode()).hexdigest()
                if digest in self._sent:
                    continue  # delivered before this batch was retried
                try:
                    res = http.post(
                        config.url(),
                        params=config.params(),
                        data=data,
                        headers={"Content-Type": "application/json"},
                        timeout=TIMEOUT,
                    )
                except requests.RequestException as err:
                    raise GA4Error(f"GA4 unreachable: {type(err).__name__}") from None
                if not 200 <= res.status_code < 300:
                    raise GA4Error(f"GA4 answered {res.status_code}")
                if len(self._sent) >= SENT_CAP:
                    self._sent.clear()
                self._sent.add(digest)
