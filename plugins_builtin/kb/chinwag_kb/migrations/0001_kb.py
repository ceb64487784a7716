"""knowledge base articles, revisions and search index

Revision ID: 0001_kb
Revises:
Create Date: 2026-12-01 21:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0001_kb"
down_revision = None
branch_labels = ("chinwag_kb",)
depends_on = "0001_core"

#: SQLite's full-text index: porter stemming over unicode61 words, accents folded. The article
#: id is the rowid; columns in the order of the bm25 weights used by chinwag_kb.index.
FTS5 = (
    "CREATE VIRTUAL TABLE kb_fts USING fts5(title, summary, tags, body, "
    "tokenize='porter unicode61 remove_diacritics 2')"
)


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_articles_slug")),
    )
    op.create_index(op.f("ix_kb_articles_status"), "kb_articles", ["status"])
    op.create_table(
        "kb_article_sites",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_sites_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "site_id", name=op.f("pk_kb_article_sites")),
    )
    op.create_index(op.f("ix_kb_article_sites_site_id"), "kb_article_sites", ["site_id"])
    op.create_table(
        "kb_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_revisions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_revisions")),
    )
    op.create_index(op.f("ix_kb_revisions_article_id"), "kb_revisions", ["article_id"])
    op.create_table(
        "kb_search",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("config", sa.String(length=32), nullable=False),
        sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_search_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_kb_search")),
    )
    op.create_index("ix_kb_search_document", "kb_search", ["document"], postgresql_using="gin")
    op.create_index(op.f("ix_kb_search_config"), "kb_search", ["config"])
    op.create_table(
        "kb_terms",
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_kb_terms")),
    )
    op.create_index(op.f("ix_kb_terms_size"), "kb_terms", ["size"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS5)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS kb_fts")
    op.drop_table("kb_terms")
    op.drop_table("kb_search")
    op.drop_table("kb_revisions")
    op.drop_table("kb_article_sites")
    op.drop_table("kb_articles")
