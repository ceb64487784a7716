"""chinwag-feedback: the team of a rating or survey, the articles an answer links, and the
(site_id, id) indexes of the cursor-paginated list

Revision ID: 0002_teams_articles
Revises: 0001_feedback
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_teams_articles"
down_revision = "0001_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_ratings") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("feedback_surveys") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
    op.create_index("ix_feedback_ratings_site_id_id", "feedback_ratings", ["site_id", "id"])
    op.create_index("ix_feedback_surveys_site_id_id", "feedback_surveys", ["site_id", "id"])
    op.create_table(
        "feedback_answer_links",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "url", name=op.f("pk_feedback_answer_links")),
    )


def downgrade() -> None:
    op.drop_table("feedback_answer_links")
    op.drop_index("ix_feedback_surveys_site_id_id", "feedback_surveys")
    op.drop_index("ix_feedback_ratings_site_id_id", "feedback_ratings")
    with op.batch_alter_table("feedback_surveys") as batch:
        batch.drop_column("team_id")
    with op.batch_alter_table("feedback_ratings") as batch:
        batch.drop_column("team_id")
