"""What a plugin declares about itself beyond its package metadata.

Name, version, description and the supported plugin-API range come from the distribution's
metadata (``Requires-Dist: chinwag-plugin-api>=1,<2``); this object adds only what metadata
cannot say. Register one instance under the ``chinwag.plugins`` entry-point namespace.
"""

from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields


@dataclass(frozen=True)
class PluginInfo:
    """Declared facts about one plugin distribution.

    :param display_name: the name admins see, e.g. ``"Media attachments"``.
    :param settings_schema: a marshmallow schema of the plugin's settings; the admin renders its form
        from it and every change is validated by it. Mark secrets with :func:`secret_field`.
    :param essential: an essential plugin cannot be disabled (the core and the admin are).
    :param enabled_by_default: state of a newly discovered plugin before an admin touches it.
    :param migrations: dotted name of a package holding the plugin's Alembic ``versions``; applied by
        ``chinwag db upgrade`` after the core's.
    :param requires: names of other plugin distributions this one needs enabled.
    """

    display_name: str
    settings_schema: type[Schema] | None = None
    essential: bool = False
    enabled_by_default: bool = True
    migrations: str | None = None
    requires: tuple[str, ...] = field(default_factory=tuple)


def secret_field(env: str | None = None, **kwargs: Any) -> fields.String:
    """A string setting that is never shown back: masked in every output of the API, CLI and admin.

    :param env: an environment variable that supplies the value when none is stored, so secrets can
        stay out of the database.
    """
    metadata = dict(kwargs.pop("metadata", {}))
    metadata.update({"secret": True, "env": env})
    return fields.String(metadata=metadata, **kwargs)
