"""Housekeeping: direct uploads that were announced but never completed, and videos whose
processing died with its process, do not linger."""

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
    """Deletes abandoned direct uploads (row and bytes) and marks stuck videos failed.
    Idempotent, so two processes running it at once do no harm."""

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
        session.commit()
