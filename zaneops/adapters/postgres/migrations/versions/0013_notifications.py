"""Notifications: channels (a kind of its own, at the top like projects: one channel may hear
many projects) and their messages (children of a channel: its delivery log goes with it).

Tables have the shape and triggers of every kind (0001). One message per channel and event
key, whoever looks twice (a unique index). The notifications controller inserts messages and
deletes those past what is kept; the API inserts only "Send a test" ones.

Revision ID: 0013_notifications
Revises: 0012_scheduled_runs
"""

from __future__ import annotations

from alembic import op

revision = "0013_notifications"
down_revision = "0012_scheduled_runs"
branch_labels = None
depends_on = None


def _table(table: str, parent: str | None, column: str | None, children: str) -> None:
    parent_column = f"{column} uuid NOT NULL REFERENCES {parent}(id)," if parent else ""
    op.execute(f"""
        CREATE TABLE {table} (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          {parent_column}
          spec jsonb NOT NULL,
          generation bigint NOT NULL DEFAULT 1,
          status jsonb NOT NULL DEFAULT '{{"observed_generation": 0, "conditions": []}}',
          finalizers text[] NOT NULL DEFAULT '{{}}',
          deleted_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TRIGGER zane_00_before_write BEFORE INSERT OR UPDATE ON {table}
          FOR EACH ROW EXECUTE FUNCTION zane_before_write();
        CREATE TRIGGER zane_00_guard_delete BEFORE DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION zane_guard_delete();
        CREATE TRIGGER zane_10_cascade_delete AFTER UPDATE OF deleted_at ON {table}
          FOR EACH ROW EXECUTE FUNCTION zane_cascade_delete({children});
        CREATE TRIGGER zane_20_collect AFTER UPDATE OF deleted_at, finalizers ON {table}
          FOR EACH ROW EXECUTE FUNCTION zane_collect({children});
        CREATE TRIGGER zane_90_notify AFTER INSERT OR UPDATE OR DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION zane_notify();
    """)


def upgrade() -> None:
    _table("channels", None, None, "'notifications', 'channel_id'")
    _table("notifications", "channels", "channel_id", "")
    op.execute("""
        CREATE INDEX channels_page_idx ON channels (created_at DESC, id DESC);
        CREATE UNIQUE INDEX channels_live_name_idx ON channels ((spec->>'name'))
          WHERE deleted_at IS NULL;
        CREATE INDEX notifications_page_idx ON notifications (channel_id, created_at DESC, id DESC);
        CREATE UNIQUE INDEX notifications_event_key_idx
          ON notifications (channel_id, (spec->'event'->>'key'));
        CREATE INDEX notifications_group_idx
          ON notifications (channel_id, (spec->'event'->>'group'), created_at DESC)
          WHERE spec->'event'->>'group' IS NOT NULL;
        CREATE TRIGGER zane_30_recollect_parent AFTER DELETE ON notifications
          FOR EACH ROW EXECUTE FUNCTION zane_recollect_parent('channels', 'channel_id');
        GRANT SELECT, INSERT, UPDATE (spec, deleted_at) ON channels TO zane_api;
        GRANT SELECT, UPDATE (status, finalizers) ON channels TO zane_controller;
        GRANT SELECT, INSERT ON notifications TO zane_api;
        GRANT SELECT, INSERT, UPDATE (status, finalizers, deleted_at) ON notifications
          TO zane_controller;
    """)


def downgrade() -> None:
    op.execute("DROP TABLE notifications")
    op.execute("DROP TABLE channels")
