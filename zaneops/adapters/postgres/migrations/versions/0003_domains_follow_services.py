"""Deleting a service requests the deletion of the domains that route to it.

Domains belong to an environment (a redirect has no service), so the parent cascade does not
reach them; without this, a deleted service's domain would linger in Caddy as a 502.

Revision ID: 0003_domains_follow_services
Revises: 0002_api
"""

from __future__ import annotations

from alembic import op

revision = "0003_domains_follow_services"
down_revision = "0002_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION zane_delete_domains_of_service() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
            UPDATE domains SET deleted_at = NEW.deleted_at
             WHERE spec->'target'->>'service_id' = NEW.id::text AND deleted_at IS NULL;
          END IF;
          RETURN NULL;
        END $$;
        CREATE TRIGGER zane_15_delete_domains AFTER UPDATE OF deleted_at ON services
          FOR EACH ROW EXECUTE FUNCTION zane_delete_domains_of_service();
        CREATE INDEX domains_target_service_idx ON domains ((spec->'target'->>'service_id'));
    """)


def downgrade() -> None:
    op.execute("""
        DROP INDEX domains_target_service_idx;
        DROP TRIGGER zane_15_delete_domains ON services;
        DROP FUNCTION zane_delete_domains_of_service();
    """)
