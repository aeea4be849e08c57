"""What operators see of a running controller: /healthz, /metrics, JSON logs with the key."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

from tests.support.ports import free_port
from tests.support.processes import REPO
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.kinds import Kind


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


async def test_health_metrics_and_logs_of_a_controller_process(
    store: PostgresStore, database_url: str
) -> None:
    """/healthz says leader and listening; /metrics counts reconciles; log lines carry the key."""
    port = free_port()
    env = {
        "PYTHONPATH": str(REPO),
        "ZANE_DATABASE_URL": database_url,
        "ZANE_RUNTIME_HOLDER_ID": "obs",
        "ZANE_RUNTIME_HEALTH_HOST": "127.0.0.1",
        "ZANE_RUNTIME_HEALTH_PORT": str(port),
        "RECORDER_DELAY": "0",
    }
    async with store.pool.connection() as conn:
        from tests.support.db_recorder import CREATE_LOG

        await conn.execute(CREATE_LOG)
    project = await store.create(Kind.PROJECTS, {"slug": "observed"})
    command = [
        sys.executable,
        "-m",
        "launcher.cli",
        "controller",
        "run",
        "tests.support.db_recorder:ENTRY",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        await eventually(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, timeout=15)
        health = json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])
        await eventually(
            lambda: 'result="success"' in get(f"http://127.0.0.1:{port}/metrics")[1], timeout=10
        )
        metrics = get(f"http://127.0.0.1:{port}/metrics")[1]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert health["leader"] is True and health["listening"] is True
    assert 'zane_reconcile_total{controller="db-recorder",result="success"}' in metrics
    assert "zane_workqueue_depth" in metrics and "zane_reconcile_duration_seconds_bucket" in metrics
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("key") == f"projects/{project.id}" for line in lines)
    assert all(line["controller"] == "db-recorder" for line in lines)
