"""Housekeeping: direct uploads that were announced but never completed, and images or videos
whose processing job never finished (its retries used up), do not linger."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from chinwag_plugin_api import PluginContext, ScheduledJob
from sqlalchemy import select

from chinwag_media import service
from chinwag_media.models import MediaFile, utcnow

#: an upload still pending or processing after this long is abandoned
STALE_AFTER = timedelta(hours=1)


class StaleUploadSweep(ScheduledJob):
    """Deletes abandoned direct uploads (row and bytes) and marks stuck media failed (deleting
    their unprocessed bytes). Idempotent: a run after a worker died is harmless."""

    interval: ClassVar[int] = 900

    def run(self, ctx: PluginContext) -> None:
        cutoff = utcnow() - STALE_AFTER
        session = ctx.db_session
        rows = session.execute(
            select(MediaFile).where(
                MediaFile.status.in_(("pending", "processing")), MediaFile.created_at < cutoff
            )
        ).scalars()
        for media in list(rows):
            if media.status == "pending":
                service.delete_media(ctx, media)
            else:
                media.status, media.error = "failed", "processing did not finish"
                unprocessed = (media.details or {}).get("unprocessed")
                if unprocessed:
                    ctx.storage().delete(unprocessed)
                    media.details = {k: v for k, v in media.details.items() if k != "unprocessed"}
        session.commit()
