"""The API's own tables (users, API tokens) and indexes for its paged lists.

Revision ID: 0002_api
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002_api"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, parent column): pages are read newest first, keyed on (created_at, id).
PAGED_CHILDREN = [
    ("environments", "project_id"),
    ("services", "environment_id"),
    ("deployments", "service_id"),
    ("domains", "environment_id"),
    ("volumes", "environment_id"),
    ("builds", "deployment_id"),
]


def upgrade() -> None:
    op.execute("""
        CREATE TABLE zane_users (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          username text NOT NULL,
          password_hash text NOT NULL,
          is_admin boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX zane_users_username_key ON zane_users (lower(username));
        CREATE TABLE zane_api_tokens (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id uuid NOT NULL REFERENCES zane_users(id) ON DELETE CASCADE,
          name text NOT NULL,
          token_hash text NOT NULL UNIQUE,
          prefix text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          last_used_at timestamptz
        );
        CREATE INDEX zane_api_tokens_user_idx ON zane_api_tokens (user_id);
        CREATE INDEX projects_page_idx ON projects (created_at DESC, id DESC);
    """)
    for table, column in PAGED_CHILDREN:
        op.execute(f"CREATE INDEX {table}_page_idx ON {table} ({column}, created_at DESC, id DESC)")


def downgrade() -> None:
    for table, _ in PAGED_CHILDREN:
        op.execute(f"DROP INDEX {table}_page_idx")
    op.execute("DROP INDEX projects_page_idx; DROP TABLE zane_api_tokens; DROP TABLE zane_users")
