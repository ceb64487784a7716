"""The plugin's typed event, published with ``ctx.publish`` once an upload is stored (analytics
sinks receive it as ``media.uploaded``; docs/analytics.md). It says what kind of file and how
big, never its name, URL or contents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from chinwag_plugin_api import Event

#: upper bounds (bytes) of the size buckets, and their labels: a sink can count by size without
#: learning a file's exact size
SIZE_BUCKETS: tuple[tuple[int, str], ...] = (
    (100 * 1024, "<100KB"),
    (1024 * 1024, "100KB-1MB"),
    (10 * 1024 * 1024, "1-10MB"),
    (100 * 1024 * 1024, "10-100MB"),
)


def size_bucket(size: int) -> str:
    """The label of the bucket ``size`` (bytes) falls in."""
    for limit, label in SIZE_BUCKETS:
        if size < limit:
            return label
    return ">=100MB"


@dataclass(frozen=True)
class MediaUploaded(Event):
    """A file was uploaded and stored (images and videos are still being processed).

    :param visitor_id: the visitor of the conversation the file belongs to.
    :param conversation_id: the conversation, if the upload named one.
    :param uploader_kind: ``visitor`` or ``agent``.
    :param kind: ``image``, ``video`` or ``file``.
    :param content_type: the type found in the bytes (``image/png``, ``application/pdf``...).
    :param size_bucket: ``<100KB``, ``100KB-1MB``, ``1-10MB``, ``10-100MB`` or ``>=100MB``.
    """

    name: ClassVar[str] = "media.uploaded"
    visitor_id: int
    conversation_id: int | None
    uploader_kind: str
    kind: str
    content_type: str
    size_bucket: str
