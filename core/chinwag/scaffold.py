"""``chinwag plugin new NAME``: render the plugin template shipped in ``chinwag/plugin_template``.

The template follows copier's conventions (files ending in ``.jinja`` are rendered, path segments
are Jinja expressions, ``dot-`` stands for a leading dot so packaging keeps the file), rendered
by Jinja2, which Flask already brings. Copier itself would add a dozen dependencies (questionary,
pydantic, plumbum, ...) to every server install for one command that only fills in names; the
layout stays copier-compatible should the template ever need copier's update feature.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import asdict, dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from chinwag_plugin_api import API_VERSION
from jinja2 import Environment, StrictUndefined

NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class ScaffoldError(Exception):
    """The name or the target folder cannot be used."""


@dataclass(frozen=True)
class PluginNames:
    """Every spelling of a new plugin's name the template uses."""

    slug: str  # "pingpong": the entry-point name
    dist: str  # "chinwag-pingpong": the distribution, as admins and pip see it
    package: str  # "chinwag_pingpong": the import package
    display: str  # "Pingpong": what admins read
    description: str
    api_requirement: str  # ">=1.1,<2": the plugin API range the plugin declares


def names_for(name: str, description: str = "") -> PluginNames:
    """Derive the names from ``pingpong`` or ``chinwag-pingpong`` (lower case, digits, dashes)."""
    slug = name.strip().lower().removeprefix("chinwag-").removeprefix("chinwag_").replace("_", "-")
    if not NAME.match(slug):
        raise ScaffoldError(
            f"{name!r} is not a plugin name: use lower-case letters, digits and dashes, "
            "starting with a letter (e.g. 'ping-pong')"
        )
    package = f"chinwag_{slug.replace('-', '_')}"
    if keyword.iskeyword(package):  # pragma: no cover - "chinwag_" prefix makes this impossible
        raise ScaffoldError(f"{package} is a Python keyword")
    display = slug.replace("-", " ").title()
    major = API_VERSION.split(".")[0]
    return PluginNames(
        slug=slug,
        dist=f"chinwag-{slug}",
        package=package,
        display=display,
        description=description or f"{display}: a Chinwag plugin.",
        api_requirement=f">={API_VERSION},<{int(major) + 1}",
    )


def _files(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                out += _files(entry, rel + "/")
        else:
            out.append((rel, entry))
    return out


def render_plugin(names: PluginNames, target: Path) -> list[Path]:
    """Write the template for ``names`` into ``target`` (which must be empty or absent)."""
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty")
    env = Environment(keep_trailing_newline=True, undefined=StrictUndefined, autoescape=False)  # noqa: S701 - renders Python and TOML, not HTML
    values = asdict(names)
    written = []
    for rel, source in _files(resources.files("chinwag").joinpath("plugin_template")):
        out_rel = env.from_string(rel).render(values).removesuffix(".jinja")
        out_rel = "/".join(
            "." + part[4:] if part.startswith("dot-") else part for part in out_rel.split("/")
        )
        path = target / out_rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text()
        path.write_text(env.from_string(text).render(values) if rel.endswith(".jinja") else text)
        written.append(path)
    return written
