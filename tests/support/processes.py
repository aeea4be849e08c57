"""Controllers as real OS processes, started through the `zaneops` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def start_controller(
    reference: str, database_url: str, holder: str, log_path: Path | None = None, **env: str
) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ZANE_DATABASE_URL": database_url,
        "ZANE_RUNTIME_HOLDER_ID": holder,
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "controller", "run", reference],
        env=environment,
        cwd=REPO,
        stdout=log_path.open("ab") if log_path else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(10)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`zaneops ARGS` to completion, as a person would type it; env replaces the environment."""
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
