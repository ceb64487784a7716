"""Privacy requests: a visitor's uploads are listed in their export and erased with them,
bytes included, from whichever storage the deployment uses."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chinwag_plugin_api import ExportedFile, PluginContext, PrivacyHandler, VisitorRef

from chinwag_media import service
from chinwag_media.models import iso_utc


class MediaPrivacy(PrivacyHandler):
    """Exports and erases ``media_files`` rows and their stored objects."""

    def export(self, ctx: PluginContext, visitor: VisitorRef) -> Mapping[str, Any]:
        files = []
        for media in service.visitor_media(ctx, visitor.id):
            files.append(
                {
                    "id": media.id,
                    "name": media.name,
                    "kind": media.kind,
                    "content_type": media.content_type,
                    "size": media.size,
                    "conversation_id": media.conversation_id,
                    "uploaded_by": media.uploader_kind,
                    "created_at": iso_utc(media.created_at),
                    "url": service.signed_url(ctx, media, "original"),
                    "archive_path": _archive_path(media),
                }
            )
        return {"files": files}

    def export_files(self, ctx: PluginContext, visitor: VisitorRef) -> Iterable[ExportedFile]:
        """Each file's stored original (what the visitor or an agent uploaded, after processing)."""
        storage = ctx.storage()
        for media in service.visitor_media(ctx, visitor.id):
            if media.storage_key and storage.exists(media.storage_key):
                yield ExportedFile(
                    _archive_path(media),
                    functools.partial(storage.open, media.storage_key),
                    media.content_type,
                )

    def erase_conversations(self, ctx: PluginContext, conversation_ids: Sequence[int]) -> None:
        """Retention: the files shared in conversations that are about to be deleted."""
        for media in service.conversation_media(ctx, conversation_ids):
            service.delete_media(ctx, media)
        ctx.db_session.commit()

    def erase(self, ctx: PluginContext, visitor: VisitorRef) -> None:
        for media in service.visitor_media(ctx, visitor.id):
            service.delete_media(ctx, media)
        ctx.db_session.commit()


def _archive_path(media: Any) -> str:
    """Unique per file (the id) and still named as uploaded (names are cleaned at upload)."""
    return f"{media.id}/{media.name}"
