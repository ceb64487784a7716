"""Markdown files with YAML front matter, as ``chinwag-kb import`` and the tests read them::

    ---
    title: Reset your password
    summary: Forgot it? Get a reset link by email.
    tags: [account, login]
    locale: en
    status: published
    ---
    Open **Settings** ...

Without ``title`` the first ``# heading`` is the title; without ``slug`` the file name is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FIELDS = ("title", "slug", "summary", "tags", "locale", "status")


class FrontMatterError(ValueError):
    """A file whose front matter cannot be read (the message names the file)."""


def parse(text: str, name: str = "") -> dict[str, Any]:
    """One file's article fields (``body`` is what follows the front matter)."""
    meta: dict[str, Any] = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) != 2:
            raise FrontMatterError(f"{name}: front matter is not closed with ---")
        try:
            loaded = yaml.safe_load(parts[0][3:]) or {}
        except yaml.YAMLError as err:
            raise FrontMatterError(f"{name}: {err}") from None
        if not isinstance(loaded, dict):
            raise FrontMatterError(f"{name}: front matter must be a mapping")
        meta = loaded
        body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    body = body.strip("\n")
    if "title" not in meta:
        first = body.lstrip().split("\n", 1)[0]
        if first.startswith("# "):
            meta["title"] = first[2:].strip()
            body = body.lstrip().split("\n", 1)[1].strip("\n") if "\n" in body.lstrip() else ""
    out: dict[str, Any] = {k: meta[k] for k in FIELDS if k in meta}
    if isinstance(out.get("tags"), str):
        out["tags"] = [t.strip() for t in out["tags"].split(",") if t.strip()]
    for key in ("title", "slug", "summary", "locale", "status"):
        if key in out:
            out[key] = str(out[key])
    out["body"] = body
    return out


def load_folder(folder: Path) -> list[dict[str, Any]]:
    """Every ``*.md`` file of ``folder`` (recursively, sorted), slug defaulting to the name."""
    items = []
    for path in sorted(Path(folder).rglob("*.md")):
        item = parse(path.read_text(encoding="utf-8"), str(path))
        item.setdefault("slug", path.stem.lower())
        item.setdefault("title", path.stem.replace("-", " ").capitalize())
        items.append(item)
    return items
