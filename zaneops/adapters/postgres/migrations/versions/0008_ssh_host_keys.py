"""SSH host keys pinned at first use: a Git server's key is recorded the first time a build
reaches it over SSH, and every later build refuses any other key until a person forgets it.

zane_controller (the builds controller) reads and pins; zane_api lists and forgets.

Revision ID: 0008_ssh_host_keys
Revises: 0007_token_expiry
"""

from __future__ import annotations

from alembic import op

revision = "0008_ssh_host_keys"
down_revision = "0007_token_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE zane_ssh_host_keys (
          host text NOT NULL,
          key_type text NOT NULL,
          key text NOT NULL,
          fingerprint text NOT NULL,
          first_seen_at timestamptz NOT NULL DEFAULT now(),
          first_seen_for text NOT NULL DEFAULT '',
          PRIMARY KEY (host, key_type)
        )
        """
    )
    op.execute("GRANT SELECT, INSERT ON zane_ssh_host_keys TO zane_controller")
    op.execute("GRANT SELECT, DELETE ON zane_ssh_host_keys TO zane_api")


def downgrade() -> None:
    op.execute("DROP TABLE zane_ssh_host_keys")
