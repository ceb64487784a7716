"""knowledge-base article embeddings

Revision ID: 0001_kb_semantic
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_kb_semantic"
down_revision = None
branch_labels = ("chinwag_kb_semantic",)
depends_on = "0001_kb"


def upgrade() -> None:
    op.create_table(
        "kb_semantic_vectors",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_semantic_vectors_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_kb_semantic_vectors")),
    )


def downgrade() -> None:
    op.drop_table("kb_semantic_vectors")
