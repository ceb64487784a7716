"""A background job for the multi-process job tests: it logs its start, waits for a release
file (so a test can kill its worker mid-job), then logs its completion. Imported by name in the
worker processes (PYTHONPATH), like any plugin's job function."""

from __future__ import annotations

import os
import time
from pathlib import Path

from chinwag_plugin_api import PluginContext


def _log(folder: Path, line: str) -> None:
    with open(folder / "log", "a") as out:
        out.write(f"{line} {os.getpid()}\n")


def hold(ctx: PluginContext, folder: str) -> None:
    where = Path(folder)
    _log(where, "start")
    deadline = time.monotonic() + 120  # never hang a test run
    while not (where / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _log(where, "done")
