"""The widget never names a plugin: no plugin distribution name (``chinwag-media``,
``chinwag_media``), entry-point name used as an event prefix (``media.``) or plugin event name
(``media.updated``) in ``widget/src`` or in the built assets. Run by ``make lint`` and a test.

Names come from what is installed (every distribution with a ``chinwag.plugins`` entry point),
the plugins in this repository (plugins_builtin/, tests/plugins/), and the events the loaded
plugins answer or declare (their socket events and widget feature declarations).
"""

from __future__ import annotations

import re
import sys
import tempfile
from importlib.metadata import distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "widget" / "src"
BUILT = ROOT / "core" / "chinwag" / "static" / "widget" / "assets"


def _repo_plugins() -> tuple[set[str], set[str]]:
    """Distribution names and ``chinwag.plugins`` entry-point names of this repository's plugins."""
    names, short = set(), set()
    for toml in [
        *ROOT.glob("plugins_builtin/*/pyproject.toml"),
        *ROOT.glob("tests/plugins/*/pyproject.toml"),
    ]:
        text = toml.read_text()
        m = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M)
        if m:
            names.add(m.group(1))
        m = re.search(r'^\[project\.entry-points\."chinwag\.plugins"\]\n(\w+)\s*=', text, re.M)
        if m:
            short.add(m.group(1))
    return names, short


def forbidden() -> tuple[set[str], set[str]]:
    """``(names, event_prefixes)``: plugin names in both spellings, and ``<prefix>.`` of events."""
    dists, prefixes = _repo_plugins()
    for dist in distributions():
        eps = [ep for ep in dist.entry_points if ep.group == "chinwag.plugins"]
        if eps and dist.metadata["Name"] and dist.metadata["Name"] != "chinwag":
            dists.add(dist.metadata["Name"])
            prefixes.update(ep.name for ep in eps)
    prefixes.update(_declared_event_prefixes())
    names = {n.lower() for d in dists for n in (d, d.replace("-", "_"), d.replace("_", "-"))}
    # "consent": the core's own Privacy tab (consent.update), declared on every site
    core = {"widget", "message", "conversation", "typing", "inbox", "plugin", "consent"}
    return names, prefixes - core


def _declared_event_prefixes() -> set[str]:
    """Prefixes of every event the installed plugins answer or declare to the widget."""
    from chinwag_plugin_api import SocketHandlers

    from chinwag.testing import dispose, make_app

    # the app's background threads may still be closing files when the block ends
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        app = make_app(Path(tmp))
        found: set[str] = set()
        with app.app_context():
            from chinwag.api.sites import create_site
            from chinwag.app import state
            from chinwag.widget_features import features_for

            host = state().plugins
            for record in host.ordered():
                for provider in record.extensions.get(SocketHandlers.namespace, []):
                    found.update(
                        s.name for s in host.call(record, provider.events, default=[]) or []
                    )
            site = create_site("Names", [])
            for f in features_for(host, site.id)["features"]:
                found.update(str(v) for k, v in f.items() if k.endswith("event"))
        dispose(app)
    return {name.split(".")[0] for name in found if "." in name}


def offences(files: list[Path]) -> list[str]:
    names, prefixes = forbidden()
    name_rx = re.compile("|".join(re.escape(n) for n in sorted(names)), re.I) if names else None
    event_rx = re.compile(r"[\"'`](" + "|".join(re.escape(p) for p in sorted(prefixes)) + r")\.\w")
    found = []
    for path in files:
        text = path.read_text(errors="replace")
        for rx in (name_rx, event_rx if prefixes else None):
            if rx is None:
                continue
            for m in rx.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{where}:{line}: names a plugin: {m.group(0)!r}")
    return found


def files() -> list[Path]:
    out = [p for p in SOURCES.rglob("*") if p.is_file()]
    if BUILT.exists():
        out += [p for p in BUILT.iterdir() if p.suffix in (".js", ".css")]
    return out


if __name__ == "__main__":
    problems = offences(files())
    print("\n".join(problems) or "widget: no plugin named in widget/src or the built assets")
    sys.exit(1 if problems else 0)
