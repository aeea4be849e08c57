"""The dashboard for browser tests: built with npm when stale, served by a real `zaneops api`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from launcher.platform.build_context import build_dashboard as zaneops_build_dashboard
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
UI = REPO / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def build_dashboard() -> None:
    """npm ci && npm run build in ui/, skipped when the build is newer than every source."""
    zaneops_build_dashboard(UI)


@dataclass(frozen=True)
class Served:
    base_url: str
    process: subprocess.Popen[bytes]


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"zaneops api exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("zaneops api did not answer /api/v1/health within 30 s")


@contextmanager
def serve_api(env: dict[str, str], log_file: Path) -> Iterator[Served]:
    """`zaneops api` as a subprocess on a free loopback port, serving ui/dist at '/'."""
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        **env,
        "ZANE_API_DASHBOARD_DIR": str(UI / "dist"),
    }
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "launcher.cli",
                "api",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=environment,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base_url, process)
            yield Served(base_url, process)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
