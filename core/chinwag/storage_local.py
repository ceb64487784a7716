"""The default media storage driver: files under the instance folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from chinwag_plugin_api import StorageDriver, StorageError


class LocalStorage(StorageDriver):
    """Stores objects as files below ``root`` (default: ``<instance>/media``); keys never escape it."""

    def __init__(self) -> None:
        self.root = Path("instance/media").resolve()

    def configure(self, options: Mapping[str, Any]) -> None:
        root = options.get("root") or os.path.join(
            options.get("instance_path", "instance"), "media"
        )
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"invalid storage key {key!r}", "invalid_key", 400)
        return path

    def save(self, key: str, stream: IO[bytes], content_type: str) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError(f"could not store {key!r}: {exc.strerror}") from exc
        return path.stat().st_size

    def open(self, key: str) -> IO[bytes]:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise StorageError(f"no object {key!r}", "not_found", 404) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()
