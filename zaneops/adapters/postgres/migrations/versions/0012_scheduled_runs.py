"""Scheduled jobs: the runs controller inserts the runs its schedules start, and deletes a
job's oldest ended runs past what is kept (as it inserts or deletes nothing else); a run's
spec stays the API's to change (cancel).

Revision ID: 0012_scheduled_runs
Revises: 0011_backups
"""

from __future__ import annotations

from alembic import op

revision = "0012_scheduled_runs"
down_revision = "0011_backups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("GRANT INSERT, UPDATE (deleted_at) ON runs TO zane_controller")


def downgrade() -> None:
    op.execute("REVOKE INSERT, UPDATE (deleted_at) ON runs FROM zane_controller")
