"""Load plugin distributions once at start-up; decide per call which are enabled.

Enable/disable and settings live in the database (``plugin_states``). Every process re-reads
them at most every ``CHINWAG_PLUGIN_REFRESH_SECONDS``, so a toggle reaches all processes
without a restart and without a broadcast channel. Hooks run isolated: a plugin that raises or
exceeds its time budget is logged, counted and reported, and the caller goes on.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from chinwag_plugin_api import API_VERSION, EXTENSION_POINTS, Event, PluginError, PluginInfo
from chinwag_plugin_api.events import EVENTS_NAMESPACE, plugin_event_problem
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from stevedore import NamedExtensionManager

from chinwag.extensions import db
from chinwag.models import PluginState
from chinwag.plugins import counters, health
from chinwag.plugins.discovery import INFO_NAMESPACE, FoundDistribution, find_distributions
from chinwag.plugins.health import HookStats
from chinwag.plugins.hookspecs import bind_hook, signature_errors
from chinwag.plugins.imports import CoreSnapshot, import_bounded
from chinwag.plugins.settings import SettingsCodec

log = logging.getLogger(__name__)
T = TypeVar("T")
CORE = "chinwag"
#: plugin imports refused in this process (hung, exited, patched the core), by their modules:
#: such a module may sit half-imported in ``sys.modules``, so a later host must not take it
REFUSED_IMPORTS: dict[tuple[str, ...], str] = {}


@dataclass
class PluginRecord:
    """One plugin distribution as the host knows it."""

    name: str
    version: str
    description: str
    api_requirement: str | None
    info: PluginInfo
    compatible: bool = True
    blocked: bool = False
    #: its import raised a BaseException, hung, or patched the core (chinwag.plugins.imports)
    refused: bool = False
    load_errors: list[str] = field(default_factory=list)
    extensions: dict[str, list[Any]] = field(default_factory=dict)
    named: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: names of the Flask blueprints mounted for the plugin's routes
    blueprints: list[str] = field(default_factory=list)
    stats: HookStats = field(default_factory=HookStats)
    #: the typed events the plugin declares (``chinwag.events``), by event name
    events: dict[str, type[Event]] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        return self.compatible and not self.blocked and not self.refused

    @property
    def essential(self) -> bool:
        return self.name == CORE or self.info.essential


@dataclass(frozen=True)
class StateRow:
    enabled: bool
    settings: dict[str, Any]
    revision: int


def _api_compatible(requirement: str | None) -> bool:
    if requirement is None:
        return False
    try:
        return Version(API_VERSION) in SpecifierSet(requirement)
    except InvalidSpecifier:
        return False


class PluginHost:
    """Owns the loaded plugins of one app. Lives in ``app.extensions["chinwag"].plugins``."""

    def __init__(
        self,
        blocked: set[str] | None = None,
        hook_timeout_ms: int = 2000,
        refresh_seconds: float = 1.0,
        found: dict[str, FoundDistribution] | None = None,
        import_timeout: float = 10.0,
    ) -> None:
        self.blocked = {b.strip() for b in (blocked or set()) if b.strip()}
        self.hook_timeout = hook_timeout_ms / 1000
        self.refresh_seconds = refresh_seconds
        self.import_timeout = import_timeout
        self.records: dict[str, PluginRecord] = {}
        self._state: dict[str, StateRow] = {}
        self._state_loaded_at = 0.0
        self._refreshing = False
        self._lock = threading.Lock()
        #: namespace -> the enabled implementations in hook order, for the current state
        self._hooks: dict[str, list[tuple[PluginRecord, Any]]] = {}
        self._ordered: list[PluginRecord] | None = None
        #: this process's name in ``plugin_health``; the counters stored last
        self.process = health.process_key()
        self._flushed: dict[str, tuple[int, int, int]] = {}
        #: the job queue's Huey, where plugins' own counters live (``ctx.count``); set by the
        #: app factory once the queue exists
        self.counter_store: Any = None
        self._load(find_distributions() if found is None else found)
        self.codecs = {r.name: SettingsCodec(r.info.settings_schema) for r in self.records.values()}

    # -- loading ---------------------------------------------------------------------------

    def _load(self, found: dict[str, FoundDistribution]) -> None:
        for dist in found.values():
            record = PluginRecord(
                name=dist.name,
                version=dist.version,
                description=dist.summary,
                api_requirement=dist.api_requirement,
                info=PluginInfo(display_name=dist.name),
            )
            record.blocked = dist.name in self.blocked
            if not _api_compatible(dist.api_requirement):
                record.compatible = False
                record.load_errors.append(
                    f"incompatible: needs chinwag-plugin-api{dist.api_requirement or ' (undeclared)'}"
                    f", this server provides {API_VERSION}"
                )
                log.warning("plugin %s refused: %s", dist.name, record.load_errors[-1])
            self.records[dist.name] = record
        owner: dict[tuple[str, str, str], str] = {}
        for dist in found.values():
            for ns, eps in dist.entry_points.items():
                for ep in eps:
                    owner[(ns, ep.name, ep.value)] = dist.name
        clashes = self._refuse_clashes(found)
        for dist in sorted(found.values(), key=lambda d: d.name):
            self._import_guarded(self.records[dist.name], dist, clashes)
        for dist in found.values():
            if self.records[dist.name].loaded:
                self._load_events(
                    self.records[dist.name], dist.entry_points.get(EVENTS_NAMESPACE, [])
                )
        for ns in (INFO_NAMESPACE, *EXTENSION_POINTS):
            # stevedore memoises entry points per namespace for the whole process; a host must see
            # what is installed when it is built (one host per app, built at start-up)
            NamedExtensionManager.ENTRY_POINT_CACHE.pop(ns, None)
            names = [
                ep.name
                for dist in found.values()
                if self.records[dist.name].loaded
                for ep in dist.entry_points.get(ns, [])
                if (ns, ep.name) not in clashes
            ]
            if not names:
                continue

            def failed(_mgr: Any, ep: Any, exc: BaseException, ns: str = ns) -> None:
                name = owner.get((ns, ep.name, ep.value))
                if name:
                    self.records[name].load_errors.append(f"{ns}:{ep.name}: {exc!r}")
                log.error("plugin entry point %s:%s failed to load: %r", ns, ep.name, exc)

            mgr = NamedExtensionManager(
                ns, names=names, on_load_failure_callback=failed, name_order=True
            )
            for ext in mgr.extensions:
                name = owner.get((ns, ext.name, ext.entry_point.value))
                if name is None or not self.records[name].loaded:
                    continue
                self._attach(self.records[name], ns, ext.name, ext.plugin)

    def _refuse_clashes(self, found: dict[str, FoundDistribution]) -> set[tuple[str, str]]:
        """Entry-point names two loadable distributions both register in one namespace: stevedore
        would load one of them arbitrarily, so neither is imported and both say why."""
        claimed: dict[tuple[str, str], list[str]] = {}
        for dist in found.values():
            if not self.records[dist.name].loaded:
                continue
            for ns, eps in dist.entry_points.items():
                if ns == EVENTS_NAMESPACE:  # event names are unique by their plugin's prefix
                    continue
                for ep in eps:
                    claimed.setdefault((ns, ep.name), []).append(dist.name)
        clashes = {key for key, owners in claimed.items() if len(owners) > 1}
        for ns, ep_name in sorted(clashes):
            owners = claimed[(ns, ep_name)]
            for name in owners:
                others = ", ".join(o for o in owners if o != name)
                self.records[name].load_errors.append(
                    f"{ns}:{ep_name}: refused, {others} registers the same entry-point name "
                    "(rename one of them)"
                )
            log.error("entry point %s:%s registered by %s: none loaded", ns, ep_name, owners)
        return clashes

    def _import_guarded(
        self, record: PluginRecord, dist: FoundDistribution, clashes: set[tuple[str, str]]
    ) -> None:
        """Import the plugin's modules before stevedore does, bounded in time and watched for
        patches of the core; refuse the plugin (and undo its patches) if it misbehaves."""
        if not record.loaded:
            return
        modules = sorted(
            {
                ep.module
                for ns, eps in dist.entry_points.items()
                for ep in eps
                if (ns, ep.name) not in clashes
            }
        )
        if not modules:
            return
        key = tuple(modules)
        problem = REFUSED_IMPORTS.get(key)
        if problem is None and not all(m in sys.modules for m in modules):
            # only a first import runs plugin code: a module already imported in this process
            # (the next app's host, every test's app) imports as a no-op, and the snapshot of
            # the core costs a third of building an app
            snapshot = CoreSnapshot()
            problem = import_bounded(modules, self.import_timeout)
            patched = snapshot.undo_changes()
            if patched:
                problem = (
                    f"patched the core while importing ({', '.join(patched[:5])}"
                    f"{', ...' if len(patched) > 5 else ''}): refused, the patches are undone"
                )
            if problem:
                REFUSED_IMPORTS[key] = problem  # a hung or patching import stays refused
        if problem:
            record.refused = True
            record.load_errors.append(problem)
            log.error("plugin %s: %s", record.name, problem)

    def _load_events(self, record: PluginRecord, eps: list[Any]) -> None:
        """Import the event classes a plugin declares (not through stevedore: they are classes to
        keep, not extensions to instantiate). A class that fails to import or to qualify is
        refused and shown in the plugin's load errors; the rest of the plugin still loads."""
        for ep in sorted(eps, key=lambda e: e.name):
            try:
                cls = ep.load()
            except Exception as exc:  # a broken plugin must not stop the server
                record.load_errors.append(f"{EVENTS_NAMESPACE}:{ep.name}: {exc!r}")
                log.error("plugin %s: event %s failed to load: %r", record.name, ep.name, exc)
                continue
            self._attach(record, EVENTS_NAMESPACE, ep.name, cls)

    def _attach_event(self, record: PluginRecord, ep_name: str, cls: Any) -> None:
        problem = plugin_event_problem(record.name, cls)
        if problem is None and cls.name in record.events and record.events[cls.name] is not cls:
            problem = f"{cls.name!r} is declared twice"
        if problem is not None:
            record.load_errors.append(f"{EVENTS_NAMESPACE}:{ep_name}: {problem}")
            log.error("plugin %s: event %s refused: %s", record.name, ep_name, problem)
            return
        record.events[cls.name] = cls

    def event_classes(self) -> dict[str, tuple[PluginRecord, type[Event]]]:
        """Every loaded plugin's declared events by name, with the plugin declaring each."""
        return {
            name: (record, cls)
            for record in self.ordered()
            if record.loaded
            for name, cls in record.events.items()
        }

    def _attach(self, record: PluginRecord, ns: str, ep_name: str, obj: Any) -> None:
        self._changed()
        if ns == EVENTS_NAMESPACE:
            self._attach_event(record, ep_name, obj)
            return
        try:
            if ns == INFO_NAMESPACE:
                if not isinstance(obj, PluginInfo):
                    raise TypeError(f"{ep_name} is not a PluginInfo")
                record.info = obj
                return
            base = EXTENSION_POINTS[ns]
            if not (isinstance(obj, type) and issubclass(obj, base)):
                raise TypeError(f"{obj!r} does not implement {base.__name__}")
            mismatched = signature_errors(base, obj)
            if mismatched:
                raise TypeError("; ".join(mismatched))
            instance = obj()
            record.extensions.setdefault(ns, []).append(instance)
            record.named[(ns, ep_name)] = instance
        except Exception as exc:  # a broken plugin must not stop the server
            reason = str(exc) if isinstance(exc, TypeError) else repr(exc)
            record.load_errors.append(f"{ns}:{ep_name}: {reason}")
            log.error("plugin %s: %s:%s rejected: %s", record.name, ns, ep_name, reason)

    def register_test_plugin(
        self,
        name: str,
        info: PluginInfo,
        extensions: dict[str, list[type[Any]]],
        version: str = "0.0.0",
        api_requirement: str = ">=1.0,<2",
    ) -> PluginRecord:
        """Add a hand-made plugin without entry points (tests only; like stevedore's
        ``make_test_instance``). It goes through the same checks as an installed one."""
        record = PluginRecord(name, version, f"test plugin {name}", api_requirement, info)
        if not _api_compatible(api_requirement):
            record.compatible = False
            record.load_errors.append(f"incompatible: needs chinwag-plugin-api{api_requirement}")
        self.records[name] = record
        self._changed()
        for ns, classes in extensions.items():
            for cls in classes:
                self._attach(record, ns, cls.__name__, cls)
        self.codecs[name] = SettingsCodec(info.settings_schema)
        return record

    # -- state -----------------------------------------------------------------------------

    def refresh_state(self, force: bool = False) -> None:
        """Re-read enabled flags and settings when older than the refresh interval.

        One caller re-reads at a time; the others go on with the state they have (under load,
        hundreds of handlers found the state due at once, each took a pooled connection and the
        pool opened and closed connections to serve them)."""
        now = time.monotonic()
        if not force and (self._refreshing or now - self._state_loaded_at < self.refresh_seconds):
            return
        self._refreshing = True
        try:
            rows = db.session.execute(db.select(PluginState)).scalars().all()
        finally:
            self._refreshing = False
        state = {r.name: StateRow(r.enabled, dict(r.settings or {}), r.revision) for r in rows}
        with self._lock:
            if state != self._state:
                self._hooks = {}
            self._state = state
            self._state_loaded_at = now

    def _changed(self) -> None:
        """Plugins or their implementations changed: recompute orders and hook lists."""
        self._ordered = None
        self._hooks = {}

    def is_enabled(self, name: str) -> bool:
        record = self.records.get(name)
        if record is None or not record.loaded:
            return False
        if record.essential:
            return True
        row = self._state.get(name)
        return row.enabled if row else record.info.enabled_by_default

    def stored_settings(self, name: str) -> dict[str, Any]:
        row = self._state.get(name)
        return dict(row.settings) if row else {}

    def settings(self, name: str) -> dict[str, Any]:
        """The plugin's effective settings: stored values, env-supplied secrets, schema defaults."""
        return self.codecs[name].effective(self.stored_settings(name))

    def enabled(self) -> list[PluginRecord]:
        self.refresh_state()
        return [r for r in self.ordered() if self.is_enabled(r.name)]

    def ordered(self) -> list[PluginRecord]:
        """Core first, then plugins by name: the order hooks run in."""
        if self._ordered is None:
            self._ordered = sorted(self.records.values(), key=lambda r: (r.name != CORE, r.name))
        return list(self._ordered)

    def extensions(self, namespace: str) -> Iterator[tuple[PluginRecord, Any]]:
        """Each enabled plugin's implementations of one extension point, in hook order (computed
        once per state: this runs several times for every message)."""
        self.refresh_state()
        hooks = self._hooks.get(namespace)
        if hooks is None:
            hooks = [
                (record, ext)
                for record in self.ordered()
                if self.is_enabled(record.name)
                for ext in record.extensions.get(namespace, [])
            ]
            self._hooks[namespace] = hooks
        return iter(hooks)

    def driver(self, namespace: str, name: str) -> Any:
        """The one implementation registered under ``name`` (drivers are not toggled per call)."""
        for record in self.ordered():
            if record.loaded and (namespace, name) in record.named:
                return record.named[(namespace, name)]
        raise PluginError(
            f"no {namespace} driver named {name!r} is installed", "driver_missing", 500
        )

    # -- isolated calls --------------------------------------------------------------------

    def call(
        self,
        record: PluginRecord,
        fn: Callable[..., T],
        *args: Any,
        default: T | None = None,
        propagate: tuple[type[BaseException], ...] = (),
        **kwargs: Any,
    ) -> T | None:
        """Run one hook: timed, failures and over-budget calls counted and logged, never raised.

        A hook method gets its spec's arguments by keyword, only those it takes (``args`` map to
        the spec's names in order, ``kwargs`` by name). Exceptions listed in ``propagate`` (e.g.
        ``Refused``) are deliberate outcomes and pass on.
        """
        bound = bind_hook(fn, args, kwargs)
        started = time.perf_counter()
        stats = record.stats
        stats.calls += 1
        try:
            result = _with_timeout(self.hook_timeout, bound)
        except propagate:
            raise
        except HookTimeout:
            stats.timeouts += 1
            self._failed(record, f"timed out after {self.hook_timeout:.1f}s in {_name(fn)}")
            return default
        except Exception as exc:
            stats.failures += 1
            self._failed(record, f"{_name(fn)} raised {exc!r}")
            log.debug("plugin failure traceback", exc_info=exc)
            return default
        finally:
            stats.total_ms += (time.perf_counter() - started) * 1000
        elapsed = time.perf_counter() - started
        if elapsed > self.hook_timeout:
            stats.timeouts += 1
            self._failed(
                record, f"{_name(fn)} took {elapsed:.2f}s (budget {self.hook_timeout:.1f}s)"
            )
        return result

    def _failed(self, record: PluginRecord, message: str) -> None:
        record.stats.last_error = message
        record.stats.last_error_at = datetime.now(UTC).isoformat()
        log.error("plugin %s: %s", record.name, message)

    # -- health across processes ---------------------------------------------------------

    def flush_health(self) -> None:
        """Store this process's counters when they changed (``chinwag run``'s background loop
        calls it every couple of seconds; its own connection, never a caller's transaction)."""
        from chinwag.extensions import db

        snapshot = {
            name: r.stats for name, r in self.records.items() if r.stats.calls or r.stats.failures
        }
        marker = {name: (s.calls, s.failures, s.timeouts) for name, s in snapshot.items()}
        if not snapshot or marker == self._flushed:
            return
        with db.engine.begin() as conn:
            health.write(conn, self.process, snapshot)
        self._flushed = marker

    def _health(self, include_self: bool) -> dict[str, dict[str, Any]]:
        """Each plugin's health: the stored counters of every other process plus this one's."""
        from sqlalchemy.exc import SQLAlchemyError

        from chinwag.extensions import db

        try:
            with db.engine.connect() as conn:
                others = health.stored(conn, self.process)
        except SQLAlchemyError:  # not migrated yet: this process's counters only
            log.warning("plugin health table unavailable; reporting this process only")
            others = {}
        out = {}
        for name, record in self.records.items():
            mine = record.stats if include_self else HookStats()
            agg = others.get(name, {})
            calls = mine.calls + agg.get("calls", 0)
            total_ms = mine.total_ms + agg.get("total_ms", 0.0)
            last_error, last_at = mine.last_error, mine.last_error_at
            if agg.get("last_error_at") and (last_at or "") < agg["last_error_at"]:
                last_error, last_at = agg["last_error"], agg["last_error_at"]
            out[name] = {
                "calls": calls,
                "failures": mine.failures + agg.get("failures", 0),
                "timeouts": mine.timeouts + agg.get("timeouts", 0),
                "mean_ms": round(total_ms / calls, 3) if calls else 0.0,
                "last_error": last_error,
                "last_error_at": last_at,
                "processes": agg.get("processes", 0) + (1 if mine.calls else 0),
            }
        return out

    # -- reporting -------------------------------------------------------------------------

    def report(self, name: str | None = None, include_self: bool = True) -> list[dict[str, Any]]:
        """What admins see: metadata, state, health, masked settings, restart needs.

        ``include_self=False`` leaves this process's own counters out (the CLI: its start-up
        calls are not the server's health)."""
        self.refresh_state()
        installed_now = find_distributions()
        healths = self._health(include_self)
        owned = counters.read(self.counter_store, list(self.records))
        rows = []
        for record in self.ordered():
            if name is not None and record.name != name:
                continue
            codec = self.codecs[record.name]
            rows.append(
                {
                    "name": record.name,
                    "display_name": record.info.display_name,
                    "version": record.version,
                    "description": record.description,
                    "api_requirement": record.api_requirement,
                    "compatible": record.compatible,
                    "blocked": record.blocked,
                    "essential": record.essential,
                    "enabled": self.is_enabled(record.name),
                    "loaded": record.loaded,
                    "load_errors": list(record.load_errors),
                    "extension_points": sorted(record.extensions),
                    "health": {**healths[record.name], "counters": owned[record.name]},
                    "settings": codec.masked(self.settings(record.name)),
                    "settings_schema": codec.describe(),
                    "restart_required": False,
                }
            )
        for dist_name, dist in installed_now.items():
            if dist_name not in self.records and (name is None or name == dist_name):
                rows.append(
                    {
                        "name": dist_name,
                        "display_name": dist_name,
                        "version": dist.version,
                        "description": dist.summary,
                        "api_requirement": dist.api_requirement,
                        "compatible": _api_compatible(dist.api_requirement),
                        "blocked": dist_name in self.blocked,
                        "essential": False,
                        "enabled": False,
                        "loaded": False,
                        "load_errors": [],
                        "extension_points": sorted(
                            n for n in dist.entry_points if n != INFO_NAMESPACE
                        ),
                        "health": {**HookStats().as_dict(), "processes": 0, "counters": {}},
                        "settings": {},
                        "settings_schema": [],
                        "restart_required": True,
                    }
                )
        return rows


class HookTimeout(Exception):
    """A hook exceeded its time budget."""


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))


def _with_timeout(seconds: float, fn: Callable[[], T]) -> T:
    """Interrupt a hook that yields past its budget when running under gevent."""
    timeout = _gevent_timeout()
    if timeout is None:
        return fn()
    timer = timeout(seconds, HookTimeout)
    timer.start()
    try:
        return fn()
    finally:
        timer.close()


@functools.cache
def _gevent_timeout() -> Any:
    """gevent's ``Timeout`` once the process is monkey-patched (``chinwag run`` patches before
    it serves its first request), else None; asked once, as every hook call needs it."""
    try:
        from gevent import Timeout, monkey
    except ImportError:  # pragma: no cover - gevent is a core dependency
        return None
    return Timeout if monkey.is_module_patched("socket") else None
