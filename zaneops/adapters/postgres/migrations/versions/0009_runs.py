"""Runs: one-off commands in a service's image, a kind of its own (a child of services).

The table has the shape and triggers of every kind (0001); deleting a service now requests
deletion of its runs too, and a deleted service waits for them to be collected. Grants as in
0006: zane_api edits specs, zane_controller writes status and finalizers.

Revision ID: 0009_runs
Revises: 0008_ssh_host_keys
"""

from __future__ import annotations

from alembic import op

revision = "0009_runs"
down_revision = "0008_ssh_host_keys"
branch_labels = None
depends_on = None

# Frozen here (see 0001): the children of services, each (table, column).
SERVICE_CHILDREN_BEFORE = "'deployments', 'service_id'"
SERVICE_CHILDREN = "'deployments', 'service_id', 'runs', 'service_id'"


def _service_triggers(children: str) -> None:
    op.execute(f"""
        DROP TRIGGER zane_10_cascade_delete ON services;
        DROP TRIGGER zane_20_collect ON services;
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON services
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete({children});
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON services
          FOR EACH ROW EXECUTE FUNCTION zane_collect({children});
    """)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE runs (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          service_id uuid NOT NULL REFERENCES services(id),
          spec jsonb NOT NULL,
          generation bigint NOT NULL DEFAULT 1,
          status jsonb NOT NULL DEFAULT '{"observed_generation": 0, "conditions": []}',
          finalizers text[] NOT NULL DEFAULT '{}',
          deleted_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX runs_service_id_idx ON runs (service_id);
        CREATE TRIGGER zane_00_before_write BEFORE INSERT OR UPDATE ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_before_write();
        CREATE TRIGGER zane_00_guard_delete BEFORE DELETE ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_guard_delete();
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete();
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_collect();
        CREATE TRIGGER zane_90_notify AFTER INSERT OR UPDATE OR DELETE ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_notify();
        CREATE TRIGGER zane_30_recollect_parent AFTER DELETE ON runs
          FOR EACH ROW EXECUTE FUNCTION zane_recollect_parent('services', 'service_id');
        GRANT SELECT, INSERT, UPDATE (spec, deleted_at) ON runs TO zane_api;
        GRANT SELECT, UPDATE (status, finalizers) ON runs TO zane_controller;
    """)
    _service_triggers(SERVICE_CHILDREN)


def downgrade() -> None:
    _service_triggers(SERVICE_CHILDREN_BEFORE)
    op.execute("DROP TABLE runs")
