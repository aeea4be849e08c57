"""One role per kind of component, holding only what it needs.

zane_api edits specs (INSERT, UPDATE of spec and deleted_at) and owns accounts, tokens and
webhooks; it cannot write status. zane_controller reads specs, writes status and finalizers
(and a deployment's spec: the builds controller records the image), holds leases; it cannot
read users, tokens or webhooks. The owner (who migrates) keeps everything. The triggers that
remove collected rows run as their owner, so neither role needs DELETE on specs. Roles are
created without a password: `zaneops migrate` gives them one (ZANE_MIGRATE_*).

Revision ID: 0006_component_roles
Revises: 0005_webhook_token_only
"""

from __future__ import annotations

from alembic import op

revision = "0006_component_roles"
down_revision = "0005_webhook_token_only"
branch_labels = None
depends_on = None

SPEC_TABLES = (
    "projects",
    "environments",
    "services",
    "deployments",
    "domains",
    "volumes",
    "builds",
)
API_TABLES = ("zane_users", "zane_api_tokens", "zane_service_webhooks")
ROLES = ("zane_api", "zane_controller")
# Triggers that delete or cascade: run as the owner, whatever role wrote the row.
OWNER_TRIGGERS = (
    "zane_cascade_delete()",
    "zane_collect()",
    "zane_recollect_parent()",
    "zane_delete_domains_of_service()",
)


def upgrade() -> None:
    for role in ROLES:  # roles belong to the cluster: an earlier database may have made them
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        op.execute(f"GRANT SELECT ON alembic_version TO {role}")
    for function in OWNER_TRIGGERS:
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER SET search_path = public")
    for table in SPEC_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE (spec, deleted_at) ON {table} TO zane_api")
        op.execute(f"GRANT SELECT, UPDATE (status, finalizers) ON {table} TO zane_controller")
    op.execute("GRANT UPDATE (spec) ON deployments TO zane_controller")
    for table in API_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO zane_api")
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON zane_leases TO zane_controller")


def downgrade() -> None:
    for role in ROLES:
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    for function in OWNER_TRIGGERS:
        op.execute(f"ALTER FUNCTION {function} SECURITY INVOKER RESET search_path")
