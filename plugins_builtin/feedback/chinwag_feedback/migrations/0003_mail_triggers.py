"""chinwag-feedback: a mailed survey names its trigger (``email_on_close`` or
``email_after_idle``, no longer one ``email`` for both), and whether the address it went to
was confirmed (``address_confirmed``: null for a verified identity's address, false while a
typed address's confirmation mail waits, true once its visitor answered through it)

Rows saved as ``email`` become ``email_on_close``: nothing stored tells a mail sent on close
from one sent by the idle job (which existed only in development builds before this revision).

Revision ID: 0003_mail_triggers
Revises: 0002_teams_articles
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_mail_triggers"
down_revision = "0002_teams_articles"
branch_labels = None
depends_on = None

surveys = sa.table("feedback_surveys", sa.column("trigger", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("feedback_surveys") as batch:
        batch.add_column(sa.Column("address_confirmed", sa.Boolean(), nullable=True))
    op.execute(
        surveys.update().where(surveys.c.trigger == "email").values(trigger="email_on_close")
    )


def downgrade() -> None:
    op.execute(
        surveys.update()
        .where(surveys.c.trigger.in_(("email_on_close", "email_after_idle")))
        .values(trigger="email")
    )
    with op.batch_alter_table("feedback_surveys") as batch:
        batch.drop_column("address_confirmed")
