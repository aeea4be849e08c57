"""Alembic environment: migrations run under an advisory lock; two processes may start at once."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

# Any fixed number works; it only has to be the same in every process that migrates.
MIGRATION_LOCK_ID = 7_243_001


def run_migrations_online() -> None:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=False)
        with context.begin_transaction():
            # Taken inside the transaction, before alembic reads the current revision:
            # a second process waits here, then sees the first one's work and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            context.run_migrations()
    engine.dispose()


run_migrations_online()
