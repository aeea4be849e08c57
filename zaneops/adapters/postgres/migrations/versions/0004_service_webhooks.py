"""One auto-deploy webhook per service: the token's hash to find it, the token and the
signing secret sealed so the dashboard can show the URL again (as Coolify and Dokploy do).

Revision ID: 0004_service_webhooks
Revises: 0003_domains_follow_services
"""

from __future__ import annotations

from alembic import op

revision = "0004_service_webhooks"
down_revision = "0003_domains_follow_services"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The service row is removed once its cleanup is done; its webhook goes with it.
    op.execute("""
        CREATE TABLE zane_service_webhooks (
          service_id uuid PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
          token_hash text NOT NULL UNIQUE,
          sealed_token text NOT NULL,
          sealed_secret text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          rotated_at timestamptz NOT NULL DEFAULT now(),
          last_delivery_at timestamptz,
          last_delivery jsonb
        )
    """)


def downgrade() -> None:
    op.execute("DROP TABLE zane_service_webhooks")
