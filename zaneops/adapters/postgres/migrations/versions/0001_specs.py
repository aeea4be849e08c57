"""Specs and status: one table per kind, generation, soft delete with finalizers, NOTIFY of ids.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the kinds at this revision: later changes to zaneops.specs.kinds must not
# rewrite history. (table, parent table, parent column)
TABLES: list[tuple[str, str | None, str | None]] = [
    ("projects", None, None),
    ("environments", "projects", "project_id"),
    ("services", "environments", "environment_id"),
    ("deployments", "services", "service_id"),
    ("domains", "environments", "environment_id"),
    ("volumes", "environments", "environment_id"),
    ("builds", "deployments", "deployment_id"),
]

UNIQUE_LIVE_KEYS = {
    "projects": "(spec->>'slug')",
    "environments": "project_id, (spec->>'slug')",
    "services": "environment_id, (spec->>'slug')",
    "volumes": "environment_id, (spec->>'slug')",
    "domains": "lower(spec->>'domain'), coalesce(spec->>'base_path', '/')",
}

FUNCTIONS = r"""
-- The generation moves only when the spec does, and only the database moves it.
CREATE FUNCTION zane_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.generation := 1;
    RETURN NEW;
  END IF;
  IF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
    RAISE EXCEPTION '% % is being deleted and cannot be restored', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.generation := CASE WHEN NEW.spec IS DISTINCT FROM OLD.spec
                         THEN OLD.generation + 1 ELSE OLD.generation END;
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- Wake-ups only: the payload is the id, never the data. Two channels per kind:
-- zane_<kind> when the spec, deletion or existence changes (what the owner converges), and
-- zane_<kind>_status when its status changes (what other slices wait on). An owner's own
-- status write thus never wakes the owner; finalizer-only changes wake no one.
CREATE FUNCTION zane_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_id text := (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text;
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.spec IS DISTINCT FROM OLD.spec
     OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
    PERFORM pg_notify('zane_' || TG_TABLE_NAME, row_id);
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM pg_notify('zane_' || TG_TABLE_NAME || '_status', row_id);
  END IF;
  RETURN NULL;
END $$;

-- Nothing is removed by accident: a row with finalizers goes only through deleted_at.
CREATE FUNCTION zane_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(OLD.finalizers) > 0 THEN
    RAISE EXCEPTION '% % still has finalizers %: request deletion and let its controllers clean up',
      TG_TABLE_NAME, OLD.id, OLD.finalizers USING ERRCODE = 'object_in_use';
  END IF;
  RETURN OLD;
END $$;

-- Deleting a parent requests deletion of its children. TG_ARGV: (child table, column) pairs.
CREATE FUNCTION zane_cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE i int := 0;
BEGIN
  IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
    WHILE i < TG_NARGS LOOP
      EXECUTE format('UPDATE %I SET deleted_at = $2 WHERE %I = $1 AND deleted_at IS NULL',
                     TG_ARGV[i], TG_ARGV[i + 1]) USING NEW.id, NEW.deleted_at;
      i := i + 2;
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

-- A deleted row is removed once no finalizer and no child is left. TG_ARGV as above.
CREATE FUNCTION zane_collect() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE i int := 0; has_children boolean;
BEGIN
  IF NEW.deleted_at IS NULL OR cardinality(NEW.finalizers) > 0 THEN
    RETURN NULL;
  END IF;
  WHILE i < TG_NARGS LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[i], TG_ARGV[i + 1])
      INTO has_children USING NEW.id;
    IF has_children THEN
      RETURN NULL;
    END IF;
    i := i + 2;
  END LOOP;
  EXECUTE format('DELETE FROM %I WHERE id = $1', TG_TABLE_NAME) USING NEW.id;
  RETURN NULL;
END $$;

-- When a child row is gone, give its deleted parent another chance to be collected.
-- TG_ARGV: parent table, the child's column pointing at it.
CREATE FUNCTION zane_recollect_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE parent_id uuid;
BEGIN
  EXECUTE format('SELECT ($1).%I', TG_ARGV[1]) INTO parent_id USING OLD;
  EXECUTE format('UPDATE %I SET finalizers = finalizers WHERE id = $1 AND deleted_at IS NOT NULL',
                 TG_ARGV[0]) USING parent_id;
  RETURN NULL;
END $$;
"""


def create_table(table: str, parent: str | None, column: str | None) -> None:
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
        )""")
    if column:
        op.execute(f"CREATE INDEX {table}_{column}_idx ON {table} ({column})")
    if table in UNIQUE_LIVE_KEYS:
        op.execute(
            f"CREATE UNIQUE INDEX {table}_live_key ON {table} ({UNIQUE_LIVE_KEYS[table]}) "
            "WHERE deleted_at IS NULL"
        )


def child_args(table: str) -> str:
    pairs = [f"'{child}', '{column}'" for child, parent, column in TABLES if parent == table]
    return ", ".join(pairs)


def create_triggers(table: str, parent: str | None, column: str | None) -> None:
    children = child_args(table)
    op.execute(f"""
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
    if parent:
        op.execute(f"""
            CREATE TRIGGER zane_30_recollect_parent AFTER DELETE ON {table}
              FOR EACH ROW EXECUTE FUNCTION zane_recollect_parent('{parent}', '{column}');
        """)


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for table, parent, column in TABLES:
        create_table(table, parent, column)
        create_triggers(table, parent, column)
    op.execute("""
        CREATE TABLE zane_leases (
          name text PRIMARY KEY,
          holder text NOT NULL,
          acquired_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz NOT NULL
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE zane_leases")
    for table, _, _ in reversed(TABLES):
        op.execute(f"DROP TABLE {table}")
    for function in (
        "before_write",
        "notify",
        "guard_delete",
        "cascade_delete",
        "collect",
        "recollect_parent",
    ):
        op.execute(f"DROP FUNCTION zane_{function}()")
