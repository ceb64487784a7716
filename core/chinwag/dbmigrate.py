"""``chinwag db upgrade``: the core's migrations, then every loaded plugin's.

Plugins put their Alembic revisions in a package named by ``PluginInfo.migrations``; each
plugin's first revision starts its own branch (``branch_labels``) that ``depends_on`` the core.
"""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from chinwag.extensions import db


def alembic_config(app: Flask) -> Config:
    script_dir = Path(str(resources.files("chinwag.migrations")))
    locations = [str(script_dir / "versions")]
    for record in app.extensions["chinwag"].plugins.ordered():
        if record.loaded and record.info.migrations:
            module = importlib.import_module(record.info.migrations)
            locations.append(str(Path(module.__file__ or "").parent))
    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    return cfg


def upgrade(app: Flask, revision: str = "heads") -> None:
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def revision(app: Flask, message: str, autogenerate: bool = True) -> None:
    """Write a new core revision (developers only)."""
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config(app)
        cfg.attributes["connection"] = connection
        command.revision(
            cfg,
            message=message,
            autogenerate=autogenerate,
            version_path=cfg.get_main_option("version_locations", "").split(" ")[0],
        )
