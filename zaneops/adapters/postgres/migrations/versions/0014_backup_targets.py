"""Backup targets: where backups are kept besides the backups folder (S3-compatible stores). A
kind of its own, at the top like channels: any project's database may use one.

The table has the shape and triggers of every kind (0001). The API edits targets; the backups
controller reads them (and writes their status: the last upload's outcome).

Revision ID: 0014_backup_targets
Revises: 0013_notifications
"""

from __future__ import annotations

from alembic import op

revision = "0014_backup_targets"
down_revision = "0013_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE backup_targets (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          spec jsonb NOT NULL,
          generation bigint NOT NULL DEFAULT 1,
          status jsonb NOT NULL DEFAULT '{"observed_generation": 0, "conditions": []}',
          finalizers text[] NOT NULL DEFAULT '{}',
          deleted_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX backup_targets_page_idx ON backup_targets (created_at DESC, id DESC);
        CREATE UNIQUE INDEX backup_targets_live_name_idx ON backup_targets ((spec->>'name'))
          WHERE deleted_at IS NULL;
        CREATE INDEX backups_target_idx ON backups ((spec->>'target_id'))
          WHERE spec->>'target_id' IS NOT NULL;
        CREATE TRIGGER zane_00_before_write BEFORE INSERT OR UPDATE ON backup_targets
          FOR EACH ROW EXECUTE FUNCTION zane_before_write();
        CREATE TRIGGER zane_00_guard_delete BEFORE DELETE ON backup_targets
          FOR EACH ROW EXECUTE FUNCTION zane_guard_delete();
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON backup_targets
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete();
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON backup_targets
          FOR EACH ROW EXECUTE FUNCTION zane_collect();
        CREATE TRIGGER zane_90_notify AFTER INSERT OR UPDATE OR DELETE ON backup_targets
          FOR EACH ROW EXECUTE FUNCTION zane_notify();
        GRANT SELECT, INSERT, UPDATE (spec, deleted_at) ON backup_targets TO zane_api;
        GRANT SELECT, UPDATE (status, finalizers) ON backup_targets TO zane_controller;
    """)


def downgrade() -> None:
    op.execute("DROP INDEX backups_target_idx")
    op.execute("DROP TABLE backup_targets")
