"""Runs are listed per service, newest first (the dashboard's Run command tab): the same page
index as the other children (0002).

Revision ID: 0010_runs_page_index
Revises: 0009_runs
"""

from __future__ import annotations

from alembic import op

revision = "0010_runs_page_index"
down_revision = "0009_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX runs_page_idx ON runs (service_id, created_at DESC, id DESC)")


def downgrade() -> None:
    op.execute("DROP INDEX runs_page_idx")
