"""The plugin's one table: the Mixpanel ids it sent for each visitor, so that an export can say
what went to Mixpanel and an erasure can ask Mixpanel to delete exactly those ids (the core's
pseudonym cannot be recomputed by a plugin)."""

from __future__ import annotations

from datetime import datetime

from chinwag_plugin_api import Model
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class SentIdentity(Model):
    """One visitor's ids in Mixpanel: the pseudonym, and the site's user id once merged."""

    __tablename__ = "mixpanel_identities"
    visitor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(Integer)
    distinct_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    first_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
