"""canned responses may belong to a team (issue 15: canned responses per site and team)

``canned_responses.team_id``: null for a response every agent of its site(s) sees; a team's
id for one only that team's members (and admins) see. Deleting the team deletes its responses
(``ON DELETE CASCADE``): setting them to null would silently show a team's private replies to
every agent, so they go with the team, as a site's responses go with the site.

Revision ID: 0027_canned_team
Revises: 0026_audit_plugin
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_canned_team"
down_revision = "0026_audit_plugin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("canned_responses") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_canned_responses_team_id_teams"),
            "teams",
            ["team_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(batch.f("ix_canned_responses_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("canned_responses") as batch:
        batch.drop_index(batch.f("ix_canned_responses_team_id"))
        batch.drop_constraint(batch.f("fk_canned_responses_team_id_teams"), type_="foreignkey")
        batch.drop_column("team_id")
