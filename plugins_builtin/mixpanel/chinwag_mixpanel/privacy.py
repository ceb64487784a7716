"""Privacy requests: the export names the ids Chinwag sent to Mixpanel; an erasure forgets them
and asks Mixpanel, through its GDPR API, to delete everything it holds under them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests
from chinwag_plugin_api import PluginContext, PluginError, PrivacyHandler, VisitorRef
from sqlalchemy import delete, select

from chinwag_mixpanel.models import SentIdentity
from chinwag_mixpanel.plugin import Config

GDPR_PATH = "/api/app/data-deletions/v3.0/"
TIMEOUT = 10


def _ids(row: SentIdentity) -> list[str]:
    return [row.distinct_id] + ([row.user_id] if row.user_id else [])


class MixpanelPrivacy(PrivacyHandler):
    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        row = ctx.db_session.get(SentIdentity, visitor.id)
        if row is None:
            return {"service": "Mixpanel", "sent": False}
        return {
            "service": "Mixpanel",
            "sent": True,
            "distinct_ids": _ids(row),
            "first_sent_at": row.first_sent_at.isoformat(),
        }

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        rows = (
            ctx.db_session.execute(
                select(SentIdentity).where(SentIdentity.visitor_id == visitor.id)
            )
            .scalars()
            .all()
        )
        ids = [i for row in rows for i in _ids(row)]
        if not ids:
            return  # nothing of this visitor ever went to Mixpanel
        # the rows go in any case (the core commits them with the erasure, even when this
        # raises): kept, they would outlive the visitor and name a later visitor given the
        # same id
        ctx.db_session.execute(delete(SentIdentity).where(SentIdentity.visitor_id == visitor.id))
        config = Config.of(ctx.settings)
        if not config.gdpr_token or not config.token:
            raise PluginError(
                "No Mixpanel GDPR API token is set: Mixpanel was not asked to delete this "
                "visitor's events (set the token before erasing; a visitor's export names "
                "their Mixpanel ids).",
                "mixpanel_gdpr_token_missing",
                409,
            )
        # a job: it survives restarts and is retried with back-off while Mixpanel is down
        ctx.run_in_background(request_deletion, ctx, ids)


def request_deletion(ctx: PluginContext, distinct_ids: Sequence[str]) -> None:
    """The job: one GDPR deletion request for these ids; raises (and is retried) on failure."""
    config = Config.of(ctx.settings)
    res = requests.post(
        config.gdpr + GDPR_PATH,
        params={"token": config.token},
        json={"distinct_ids": list(distinct_ids), "compliance_type": "GDPR"},
        headers={"Authorization": f"Bearer {config.gdpr_token}"},
        timeout=TIMEOUT,
    )
    if res.status_code != 200:
        raise RuntimeError(f"Mixpanel's GDPR API answered {res.status_code}: {res.text[:200]}")
    ctx.logger.info("Mixpanel deletion requested for %d id(s)", len(distinct_ids))
