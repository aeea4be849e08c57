"""An API token may expire: after expires_at it is refused like a revoked one.

Revision ID: 0007_token_expiry
Revises: 0006_component_roles
"""

from __future__ import annotations

from alembic import op

revision = "0007_token_expiry"
down_revision = "0006_component_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE zane_api_tokens ADD COLUMN expires_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE zane_api_tokens DROP COLUMN expires_at")
