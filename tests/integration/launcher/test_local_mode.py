"""Local mode runs a controller added only through its entry, as a real process."""

from __future__ import annotations

import os
from pathlib import Path

from launcher.local_processes import LocalProcesses, platform_components
from tests.support import noop
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind


async def test_a_new_entry_runs_in_local_mode_and_reconciles(
    store: PostgresStore, database_url: str, tmp_path: Path
) -> None:
    """`zaneops local up` would start controller-noop: it starts, and reconciles a project."""
    [component] = [c for c in platform_components((noop.ENTRY,)) if c.name == "controller-noop"]
    record = tmp_path / "reconciled.txt"
    processes = LocalProcesses(tmp_path / "state")
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "ZANE_DATABASE_URL": database_url,
        "NOOP_RECORD": str(record),
    }
    pid, started = processes.start(component, env)
    try:
        assert started and processes.running_pid("controller-noop") == pid
        project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})

        def reconciled() -> bool:
            return record.exists() and f"projects/{project.id} 1" in record.read_text()

        await eventually(reconciled, timeout=30, message="noop reconciled the project")
    finally:
        processes.stop("controller-noop")
