"""`zaneops migrate --stay`, the stack's migrate service: once the schema is at its head, the
process waits for SIGTERM without keeping the Python interpreter and its modules in memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from launcher.cli.process_commands import MIGRATED_MARKER
from tests.support.processes import REPO

READY_TIMEOUT = 60.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def waits_in_a_shell(pid: int) -> bool:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return command[:2] == [b"sh", b"-c"]


def test_migrate_stay_becomes_a_small_waiting_shell_that_ends_cleanly_on_sigterm(
    database_url: str,
) -> None:
    """After migrating, the same process is a shell of a few MiB; SIGTERM ends it with 0."""
    MIGRATED_MARKER.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ZANE_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "migrate", "--stay"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not (MIGRATED_MARKER.exists() and waits_in_a_shell(process.pid)):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "migrate --stay never settled"
            time.sleep(0.1)
        assert rss_kib(process.pid) < 8 * 1024
        process.send_signal(signal.SIGTERM)
        assert process.wait(5) == 0
        assert process.stdout is not None
        assert b"schema at revision" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
