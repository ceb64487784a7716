"""Plugin-owned health counters (``ctx.count``), kept in the job queue's storage.

The job queue's storage (Huey: SQLite in the instance folder, Redis in production) already holds
the core's job counters, shared by every process and read by the CLI; a plugin's counters sit
beside them as ``chinwag:counter:<plugin>:<name>``. Counting is one atomic increment. Which names
a plugin uses is recorded once per name (``chinwag:counter-name:<plugin>:<name>``, put-if-empty),
so a report can list them without a key scan of the counters themselves.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any

log = logging.getLogger(__name__)

COUNTER = "chinwag:counter:"
NAME = "chinwag:counter-name:"
#: counters one plugin may own (a typo in a loop must not fill the store)
MAX_COUNTERS = 50
VALID_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: per job queue, per plugin: counter names known to be recorded (the hot path skips the put)
_KNOWN: weakref.WeakKeyDictionary[Any, dict[str, set[str]]] = weakref.WeakKeyDictionary()


def _names(huey: Any, plugin: str) -> set[str]:
    prefix = f"{NAME}{plugin}:"
    out = set()
    for key in huey.storage.result_items():
        key = key.decode() if isinstance(key, bytes) else str(key)
        if key.startswith(prefix):
            out.add(key.removeprefix(prefix))
    return out


def count(huey: Any, plugin: str, name: str, amount: int = 1) -> None:
    """Add ``amount`` to the plugin's counter ``name`` (see ``PluginContext.count``)."""
    if not isinstance(name, str) or not VALID_NAME.fullmatch(name):
        raise ValueError("a counter name is 1-64 of [A-Za-z0-9_.:-]")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError("a counter's amount is an integer")
    known = _KNOWN.setdefault(huey, {}).setdefault(plugin, set())
    if name not in known:
        names = _names(huey, plugin)
        if name not in names:
            if len(names) >= MAX_COUNTERS:
                raise ValueError(f"{plugin} already has {MAX_COUNTERS} counters")
            huey.storage.put_if_empty(f"{NAME}{plugin}:{name}", huey.serializer.serialize(1))
        known.add(name)
    huey.storage.incr(f"{COUNTER}{plugin}:{name}", amount)


def read(huey: Any, plugins: list[str]) -> dict[str, dict[str, int]]:
    """Each plugin's counters by name (sorted), the same in every process, from ``huey`` (the
    app's job queue); empty (and a warning) when its storage cannot be read."""
    if huey is None:
        return {name: {} for name in plugins}
    try:
        found: dict[str, dict[str, int]] = {name: {} for name in plugins}
        for key in huey.storage.result_items():
            key = key.decode() if isinstance(key, bytes) else str(key)
            if not key.startswith(NAME):
                continue
            rest = key.removeprefix(NAME)
            for plugin in plugins:  # counter names may hold ":", plugin names do not
                if rest.startswith(f"{plugin}:"):
                    name = rest.removeprefix(f"{plugin}:")
                    found[plugin][name] = int(huey.storage.incr(f"{COUNTER}{plugin}:{name}", 0))
                    break
    except Exception as exc:  # a Redis outage must not break the plugin list
        log.warning("plugin counters unavailable: %r", exc)
        return {name: {} for name in plugins}
    return {plugin: dict(sorted(c.items())) for plugin, c in found.items()}
