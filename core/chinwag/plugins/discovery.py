"""Find plugin distributions from their entry points.

A plugin, for admins, is a pip distribution: entry points are grouped by the distribution that
declares them (stevedore's cache does not keep ``entry_point.dist``, so the index is built from
:func:`importlib.metadata.distributions`). Blocked distributions are never imported.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata

from chinwag_plugin_api import EXTENSION_POINTS
from chinwag_plugin_api.events import EVENTS_NAMESPACE
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

log = logging.getLogger(__name__)

INFO_NAMESPACE = "chinwag.plugins"
NAMESPACES: tuple[str, ...] = (INFO_NAMESPACE, *EXTENSION_POINTS, EVENTS_NAMESPACE)


@dataclass
class FoundDistribution:
    """A distribution that declares at least one Chinwag entry point."""

    name: str
    version: str
    summary: str
    api_requirement: str | None
    entry_points: dict[str, list[metadata.EntryPoint]] = field(default_factory=dict)


def _api_requirement(dist: metadata.Distribution) -> str | None:
    for raw in dist.requires or ():
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) == "chinwag-plugin-api" and not req.marker:
            return str(req.specifier) or ">=0"
    return None


def find_distributions() -> dict[str, FoundDistribution]:
    """Every installed distribution with entry points in a Chinwag namespace, by canonical name."""
    found: dict[str, FoundDistribution] = {}
    for dist in metadata.distributions():
        eps: dict[str, list[metadata.EntryPoint]] = defaultdict(list)
        for ep in dist.entry_points:
            if ep.group in NAMESPACES:
                eps[ep.group].append(ep)
        if not eps:
            continue
        name = canonicalize_name(dist.metadata["Name"])
        if name in found:  # the same distribution seen twice on sys.path: first one wins
            continue
        found[name] = FoundDistribution(
            name=name,
            version=dist.version,
            summary=dist.metadata["Summary"] or "",
            api_requirement=_api_requirement(dist),
            entry_points=dict(eps),
        )
    return found
