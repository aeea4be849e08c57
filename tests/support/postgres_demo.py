"""A real PostgreSQL as a user's service: its locally built image, psql in its container, and a
restart of the Docker engine itself (the way tests/infra/up.sh starts it)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from docker.errors import APIError, DockerException

from tests.support import swarm as sw
from tests.support.images import CONTEXTS, ensure_built

IMAGE = "zaneops/postgres-demo:15"
CONTEXT = CONTEXTS / "postgres-demo"
DATA_DIR = "/var/lib/postgresql/data"
DOCKERD_LOG = Path("/var/log/dockerd.log")


# --- the image ----------------------------------------------------------------------------------


def ensure_image() -> None:
    ensure_built(IMAGE, CONTEXT)


# --- psql in the running task ---------------------------------------------------------------------


def the_container(instance: str, deployment_id: UUID) -> Any | None:
    """The one running container of the deployment (None while there is not exactly one)."""
    found = sw.running_containers(instance, deployment_id)
    return found[0] if len(found) == 1 else None


def psql(container: Any, sql: str) -> str:
    command = ["psql", "-X", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    code, output = container.exec_run(command)
    text = bytes(output).decode(errors="replace").strip()
    if code != 0:
        raise AssertionError(f"psql failed ({code}): {text}")
    return text


def accepts_connections(container: Any) -> bool:
    try:
        code, _ = container.exec_run(["pg_isready", "-q", "-h", "127.0.0.1"])
    except (APIError, DockerException):
        return False
    return code == 0


def fingerprint(notes: list[str]) -> str:
    """What `SELECT_FINGERPRINT` prints for a table holding these notes, in id order."""
    joined = ",".join(notes)
    return f"{len(notes)}:{hashlib.md5(joined.encode()).hexdigest()}"


SELECT_FINGERPRINT = (
    "select count(*) || ':' || md5(coalesce(string_agg(note, ',' order by id), '')) from demo"
)


# --- the Docker engine ----------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """A zombie counts as dead: PID 1 here reaps orphans only every few seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.5)
    return time.monotonic() - started


def stop_engine(timeout: float = 45.0) -> None:
    """SIGTERM dockerd (containers get their stop timeout), SIGKILL it if it hangs."""
    pid = int(Path("/var/run/docker.pid").read_text().strip())
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd", "docker.pid is stale"
    os.kill(pid, signal.SIGTERM)
    try:
        _wait(lambda: not _alive(pid), timeout, "dockerd exited")
    except AssertionError:
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: not _alive(pid), 10, "dockerd killed")


def start_engine() -> None:
    """As up.sh does: a dockerd in its own session, so it outlives this test run."""
    with DOCKERD_LOG.open("ab") as log:
        subprocess.Popen(
            ["dockerd"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def swarm_is_back() -> bool:
    """The engine answers, this node manages an active swarm, and every node is Ready."""
    try:
        client = sw.client()
        swarm = client.info()["Swarm"]
        if swarm["LocalNodeState"] != "active" or not swarm["ControlAvailable"]:
            return False
        return all(n.attrs["Status"]["State"] == "ready" for n in client.nodes.list())
    except (APIError, DockerException, KeyError):
        return False


def restart_engine(timeout: float = 90.0) -> float:
    """Stop and start dockerd; the seconds until the swarm manager is back and Ready."""
    started = time.monotonic()
    stop_engine()
    start_engine()
    _wait(swarm_is_back, timeout, "engine up, swarm active, node Ready")
    return time.monotonic() - started
