"""Backups: a kind of its own, a child of environments (deleting a database service keeps its
backups; deleting the environment requests their deletion, and waits for their files to go).

The table has the shape and triggers of every kind (0001). Grants as in 0006, plus what the
backups controller's schedule needs: it inserts the scheduled backups and requests deletion of
those past the service's retention (the controller role may do both, on this table only).

Revision ID: 0011_backups
Revises: 0010_runs_page_index
"""

from __future__ import annotations

from alembic import op

revision = "0011_backups"
down_revision = "0010_runs_page_index"
branch_labels = None
depends_on = None

# Frozen here (see 0001): the children of environments, each (table, column).
ENVIRONMENT_CHILDREN_BEFORE = (
    "'services', 'environment_id', 'domains', 'environment_id', 'volumes', 'environment_id'"
)
ENVIRONMENT_CHILDREN = ENVIRONMENT_CHILDREN_BEFORE + ", 'backups', 'environment_id'"


def _environment_triggers(children: str) -> None:
    op.execute(f"""
        DROP TRIGGER zane_10_cascade_delete ON environments;
        DROP TRIGGER zane_20_collect ON environments;
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON environments
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete({children});
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON environments
          FOR EACH ROW EXECUTE FUNCTION zane_collect({children});
    """)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE backups (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          environment_id uuid NOT NULL REFERENCES environments(id),
          spec jsonb NOT NULL,
          generation bigint NOT NULL DEFAULT 1,
          status jsonb NOT NULL DEFAULT '{"observed_generation": 0, "conditions": []}',
          finalizers text[] NOT NULL DEFAULT '{}',
          deleted_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX backups_environment_id_idx ON backups (environment_id);
        CREATE INDEX backups_page_idx ON backups (environment_id, created_at DESC, id DESC);
        CREATE INDEX backups_service_idx ON backups ((spec->>'service_id'), created_at DESC);
        CREATE TRIGGER zane_00_before_write BEFORE INSERT OR UPDATE ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_before_write();
        CREATE TRIGGER zane_00_guard_delete BEFORE DELETE ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_guard_delete();
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete();
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_collect();
        CREATE TRIGGER zane_90_notify AFTER INSERT OR UPDATE OR DELETE ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_notify();
        CREATE TRIGGER zane_30_recollect_parent AFTER DELETE ON backups
          FOR EACH ROW EXECUTE FUNCTION zane_recollect_parent('environments', 'environment_id');
        GRANT SELECT, INSERT, UPDATE (spec, deleted_at) ON backups TO zane_api;
        GRANT SELECT, INSERT, UPDATE (status, finalizers, deleted_at) ON backups
          TO zane_controller;
    """)
    _environment_triggers(ENVIRONMENT_CHILDREN)


def downgrade() -> None:
    _environment_triggers(ENVIRONMENT_CHILDREN_BEFORE)
    op.execute("DROP TABLE backups")
