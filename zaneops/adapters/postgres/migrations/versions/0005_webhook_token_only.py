"""A webhook needs its signature unless it is chosen token-only (then it builds the branch's
head, never a commit named in an unsigned body).

Revision ID: 0005_webhook_token_only
Revises: 0004_service_webhooks
"""

from __future__ import annotations

from alembic import op

revision = "0005_webhook_token_only"
down_revision = "0004_service_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE zane_service_webhooks ADD COLUMN token_only boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE zane_service_webhooks DROP COLUMN token_only")
