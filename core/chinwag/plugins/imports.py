"""Import a plugin's modules at start-up, bounded in time and watched for patches of the core.

A plugin is code running with the server's privileges: Chinwag cannot sandbox it. What the host
does promise (docs/security.md, "plugin supply chain"): an import that raises anything (even
``SystemExit``) or does not finish within ``CHINWAG_PLUGIN_IMPORT_TIMEOUT_SECONDS`` refuses that
plugin and the server starts without it; a plugin whose import replaces a function or class of
``chinwag`` or ``chinwag_plugin_api`` (or a method of one of their classes) is refused and the
patch undone. The import runs in a real OS thread (not a greenlet: a blocking import must not
stop the waiting thread's clock); a hung import is abandoned, never joined.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: the packages whose functions and classes a plugin's import must leave alone
WATCHED = ("chinwag", "chinwag_plugin_api")


def _originals() -> tuple[Any, Any]:
    """``start_new_thread`` and ``allocate_lock`` as they were before gevent's monkey-patching."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency of the core
        import _thread

        return _thread.start_new_thread, _thread.allocate_lock
    return (
        monkey.get_original("_thread", "start_new_thread"),
        monkey.get_original("_thread", "allocate_lock"),
    )


def import_bounded(modules: list[str], timeout: float) -> str | None:
    """Import ``modules`` in a worker thread within ``timeout`` seconds. None when they imported
    or raised an ``Exception`` (the caller's loader reports that one as before); otherwise why
    the plugin must be refused."""
    start, allocate = _originals()
    done = allocate()
    done.acquire()
    outcome: dict[str, BaseException] = {}

    def work() -> None:
        try:
            for name in modules:
                importlib.import_module(name)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.release()

    start(work, ())
    if not done.acquire(True, timeout):
        return (
            f"import of {', '.join(modules)} did not finish within {timeout:g} s "
            "(CHINWAG_PLUGIN_IMPORT_TIMEOUT_SECONDS): refused"
        )
    error = outcome.get("error")
    if error is not None and not isinstance(error, Exception):
        return f"import of {', '.join(modules)} raised {error!r}: refused"
    return None


def _watched(name: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in WATCHED)


def _code(value: Any) -> bool:
    return isinstance(
        value,
        (
            types.FunctionType,
            types.BuiltinFunctionType,
            type,
            classmethod,
            staticmethod,
            property,
            types.MethodType,
        ),
    )


class CoreSnapshot:
    """The functions and classes of every imported watched module, and the methods of their
    classes, by identity: what a plugin's import must not replace or delete."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Any, str, Any]] = {}
        for modname, mod in list(sys.modules.items()):
            if mod is None or not _watched(modname):
                continue
            for key, value in list(vars(mod).items()):
                if not _code(value):
                    continue
                self.items[(modname, key)] = (mod, key, value)
                if isinstance(value, type) and value.__module__ == modname:
                    for attr, member in list(vars(value).items()):
                        if _code(member):
                            self.items[(f"{modname}.{key}", attr)] = (value, attr, member)

    def undo_changes(self) -> list[str]:
        """Put back whatever was replaced or deleted since the snapshot; the dotted names."""
        changed: list[str] = []
        for (owner_name, key), (owner, attr, value) in self.items.items():
            current = (
                vars(owner).get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
            )
            if current is not value:
                setattr(owner, attr, value)
                changed.append(f"{owner_name}.{key}")
        return sorted(changed)
