"""`zaneops admin create` and `zaneops api`: the first admin's password is printed once."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time

import httpx

from tests.support.api import forget_redis_keys
from tests.support.ports import free_port
from tests.support.processes import REPO, run_cli


def _cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={**os.environ, "ZANE_DATABASE_URL": database_url, **env})


def test_admin_create_prints_a_generated_password_once(database_url: str) -> None:
    """The generated password is printed; the same user name a second time is refused."""
    first = _cli(database_url, "admin", "create", "--username", "root", ZANE_API_ADMIN_PASSWORD="")
    assert first.returncode == 0, first.stderr
    assert re.search(r"password \(shown only this once\): \S{20,}", first.stdout)
    again = _cli(database_url, "admin", "create", "--username", "ROOT")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_api_command_creates_the_first_admin_and_serves(database_url: str) -> None:
    """`zaneops api` with ZANE_API_ADMIN_PASSWORD creates that admin, who can then log in."""
    port = free_port()
    env = {
        **os.environ,
        "ZANE_DATABASE_URL": database_url,
        "ZANE_API_ADMIN_PASSWORD": "pw-123456",
        "ZANE_API_COOKIE_SECURE": "false",
        "ZANE_API_REDIS_PREFIX": f"zane:test:cli{port}:",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "api", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health").raise_for_status()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        login = httpx.post(
            f"{base}/auth/login", json={"username": "admin", "password": "pw-123456"}
        )
        assert login.status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        asyncio.run(forget_redis_keys(env["ZANE_API_REDIS_PREFIX"]))
    assert "created with the password from ZANE_API_ADMIN_PASSWORD" in output
