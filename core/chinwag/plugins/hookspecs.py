"""Hook signatures checked at load time and hooks called by keyword (pluggy's rule).

A hook's spec is the abstract method of its extension point in ``chinwag_plugin_api``. An
implementation may take fewer arguments than the spec (a hook can grow a new argument in a minor
release without breaking anyone), never one the spec does not name: that is refused when the
plugin loads, with the name in the plugin's load errors, instead of failing on the first call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from chinwag_plugin_api import EXTENSION_POINTS

T = TypeVar("T")
_specs: dict[tuple[type[Any], str], tuple[str, ...]] = {}
_takes: dict[tuple[type[Any], str], tuple[frozenset[str], bool]] = {}


def spec_parameters(base: type[Any], method: str) -> tuple[str, ...]:
    """The argument names of a hook spec, in order (``self`` excluded); computed once."""
    key = (base, method)
    if key not in _specs:
        params = inspect.signature(getattr(base, method)).parameters
        _specs[key] = tuple(p for p in params if p != "self")
    return _specs[key]


def hook_methods(base: type[Any]) -> list[str]:
    """The hooks an extension point declares: its abstract methods."""
    return sorted(getattr(base, "__abstractmethods__", ()))


def signature_errors(base: type[Any], impl: type[Any]) -> list[str]:
    """Why ``impl``'s hook methods do not fit ``base``'s specs (empty when they all fit)."""
    errors = []
    for method in hook_methods(base):
        fn = getattr(impl, method, None)
        if fn is None or getattr(fn, "__isabstractmethod__", False):
            errors.append(f"{impl.__name__}.{method} is not implemented")
            continue
        spec = set(spec_parameters(base, method))
        params = inspect.signature(fn).parameters
        for name, p in params.items():
            if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if name not in spec:
                errors.append(
                    f"{impl.__name__}.{method}() takes {name!r}, which "
                    f"{base.__name__}.{method} does not pass (it passes {sorted(spec)})"
                )
            elif p.kind is p.POSITIONAL_ONLY:
                errors.append(f"{impl.__name__}.{method}(): {name!r} must not be positional-only")
    return errors


def _accepted(impl: type[Any], method: str) -> tuple[frozenset[str], bool]:
    """The argument names an implementation takes, and whether it takes ``**kwargs``."""
    key = (impl, method)
    if key not in _takes:
        params = inspect.signature(getattr(impl, method)).parameters
        takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
        _takes[key] = (frozenset(n for n in params if n != "self"), takes_all)
    return _takes[key]


def _base_of(impl: type[Any]) -> type[Any] | None:
    for base in EXTENSION_POINTS.values():
        if issubclass(impl, base):
            return base
    return None


#: (implementation class, method) -> how to call it (None: not a hook); a hook is called on
#: every message, so the extension point and argument names are looked up once per class
_Plan = tuple[type[Any], str, tuple[str, ...], frozenset[str] | None]
_plans: dict[tuple[type[Any], str], _Plan | None] = {}


def _plan(impl: type[Any], method: str) -> _Plan | None:
    """(extension point, method, the spec's argument names, the names ``impl`` takes or None
    when it takes ``**kwargs``), or None when ``method`` is no hook of ``impl``."""
    key = (impl, method)
    if key not in _plans:
        base = _base_of(impl)
        if base is None or method not in hook_methods(base):
            _plans[key] = None
        else:
            accepted, takes_all = _accepted(impl, method)
            _plans[key] = (
                base,
                method,
                spec_parameters(base, method),
                None if takes_all else accepted,
            )
    return _plans[key]


def bind_hook(
    fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Callable[[], T]:
    """A zero-argument call of ``fn`` with the arguments of its spec, by keyword, keeping only
    those the implementation takes. ``args`` are mapped to the spec's names in order (the core's
    call sites may pass them positionally). Callables that are not hooks are called as given."""
    owner = getattr(fn, "__self__", None)
    plan = _plan(type(owner), getattr(fn, "__name__", "")) if owner is not None else None
    if plan is None:
        return lambda: fn(*args, **kwargs)
    base, method, names, accepted = plan
    if len(args) > len(names):
        raise TypeError(f"{base.__name__}.{method} passes {len(names)} arguments, got {len(args)}")
    given = dict(zip(names, args, strict=False))
    if kwargs:
        overlap = set(given) & set(kwargs)
        if overlap:
            raise TypeError(f"{base.__name__}.{method}: {sorted(overlap)} given twice")
        given.update(kwargs)
        unknown = set(given) - set(names)
        if unknown:
            raise TypeError(f"{base.__name__}.{method} has no arguments {sorted(unknown)}")
    chosen = given if accepted is None else {k: v for k, v in given.items() if k in accepted}
    return lambda: fn(**chosen)
