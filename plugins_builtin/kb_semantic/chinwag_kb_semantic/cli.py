"""``chinwag kb-semantic reindex [--site ID] [--now]``: (re)compute the article embeddings.

Needed once after switching the plugin on (articles saved while it was off have no vector) and
after upgrading the pinned model. By default the work is queued on the job queue (batches of
200 articles) and a running server's workers do it; ``--now`` computes in this command.
"""

from __future__ import annotations

import click
from chinwag_plugin_api import CliCommands, current_context

from chinwag_kb_semantic import cache
from chinwag_kb_semantic.index import BATCH, queue, site_article_ids, write


class SemanticCli(CliCommands):
    """The ``kb-semantic`` command group."""

    def commands(self) -> click.Command:
        @click.group("kb-semantic")
        def group() -> None:
            """Semantic search of the knowledge base."""

        @group.command()
        @click.option(
            "--site",
            "site_id",
            type=click.IntRange(min=1),
            default=None,
            help="Only the articles shown on this site (default: every article).",
        )
        @click.option("--now", is_flag=True, help="Compute here instead of on the job queue.")
        def reindex(site_id: int | None, now: bool) -> None:
            """Embed every published article (of a site) again."""
            ctx = current_context()
            ids = site_article_ids(ctx.db_session, site_id)
            if now:
                written = 0
                for start in range(0, len(ids), BATCH):
                    written += write(ctx.db_session, ids[start : start + BATCH])
                    ctx.db_session.commit()
                cache.forget()
                click.echo(f"{written} articles embedded ({len(ids) - written} not published)")
            else:
                jobs = queue(ctx, ids)
                click.echo(f"{len(ids)} articles queued for embedding in {jobs} jobs")

        return group
