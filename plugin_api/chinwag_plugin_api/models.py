"""The declarative base shared by the core's models and every plugin's models.

Plugins that keep data subclass :class:`Model`; their tables join the same metadata, so one
naming convention holds and Alembic autogenerate sees everything.
"""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    """Base class of every table, core and plugin alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
