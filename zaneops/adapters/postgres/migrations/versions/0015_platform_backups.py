"""Backups of the platform's own database: rows of the backups table with no environment
(spec.platform true). Any other backup still belongs to an environment. And the platform's
own settings (its backup policy), one row per name: the API writes them, controllers read.

Revision ID: 0015_platform_backups
Revises: 0014_backup_targets
"""

from __future__ import annotations

from alembic import op

revision = "0015_platform_backups"
down_revision = "0014_backup_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        ALTER TABLE backups ALTER COLUMN environment_id DROP NOT NULL;
        ALTER TABLE backups ADD CONSTRAINT backups_platform_or_environment
          CHECK ((environment_id IS NULL) = coalesce((spec->>'platform')::boolean, false));
        CREATE INDEX backups_platform_idx ON backups (created_at DESC)
          WHERE environment_id IS NULL;
        CREATE TABLE zane_platform_settings (
          name text PRIMARY KEY,
          value jsonb NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        GRANT SELECT, INSERT, UPDATE ON zane_platform_settings TO zane_api;
        GRANT SELECT ON zane_platform_settings TO zane_controller;
    """)


def downgrade() -> None:
    op.execute("""
        DROP TABLE zane_platform_settings;
        DELETE FROM backups WHERE environment_id IS NULL;
        DROP INDEX backups_platform_idx;
        ALTER TABLE backups DROP CONSTRAINT backups_platform_or_environment;
        ALTER TABLE backups ALTER COLUMN environment_id SET NOT NULL;
    """)
