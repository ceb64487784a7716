"""Alembic environment: run inside ``chinwag db upgrade`` with the app's engine."""

from alembic import context
from chinwag_plugin_api import Model

import chinwag.models  # noqa: F401  (registers the core tables on Model.metadata)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Model.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # `chinwag db revision --plugin NAME --autogenerate` limits the comparison to that plugin's
    # tables; `chinwag db upgrade` reports each applied revision
    include_object=config.attributes.get("include_object"),
    on_version_apply=config.attributes.get("on_version_apply"),
)
with context.begin_transaction():
    context.run_migrations()
