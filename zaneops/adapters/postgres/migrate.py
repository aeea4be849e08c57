"""Applies the schema with alembic; safe when several processes run it at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from zaneops.common.errors import Unavailable

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url))
    return config


def sqlalchemy_url(database_url: str) -> str:
    """SQLAlchemy needs the driver named; libpq URLs don't carry it."""
    scheme, _, rest = database_url.partition("://")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    # '%' is alembic's interpolation character in config values.
    return f"{scheme}://{rest}".replace("%", "%%")


def upgrade_to_head(database_url: str) -> None:
    try:
        # "heads": slices may add independent migration branches; all of them apply.
        command.upgrade(alembic_config(database_url), "heads")
    except OperationalError as exc:
        raise Unavailable(f"cannot reach the database: {exc.orig}") from exc


def current_revisions(database_url: str) -> tuple[str, ...]:
    engine = create_engine(sqlalchemy_url(database_url).replace("%%", "%"))
    with engine.connect() as connection:
        revisions = MigrationContext.configure(connection).get_current_heads()
    engine.dispose()
    return tuple(sorted(revisions))


def latest_revisions() -> tuple[str, ...]:
    """The heads of the migration scripts shipped with this version."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config("postgresql://")).get_heads()))
