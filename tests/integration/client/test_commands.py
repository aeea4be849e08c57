"""The CLI's everyday commands against the real API: logging in (the token kept, readable
by its owner only), listing by name, a service's logs, deleting, and clear refusals."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

from click.testing import CliRunner
from redis.asyncio import Redis

from launcher.cli import main
from tests.integration.client.conftest import Installation
from tests.support.api import ADMIN_PASSWORD, REDIS_URL
from tests.support.manifests import SHOP
from zaneops.adapters.redis import stream_keys

SECRETS = {"SHOP_API_KEY": "k-123"}


def applied(platform: Installation, tmp_path: Path) -> None:
    file = tmp_path / "shop.yaml"
    file.write_text(SHOP)
    assert platform.run("apply", "-f", str(file), **SECRETS).exit_code == 0


def test_login_keeps_a_token_only_its_owner_can_read_and_the_commands_use_it(
    platform: Installation, tmp_path: Path
) -> None:
    config = tmp_path / "contexts.yaml"
    runner = CliRunner()
    env = {"ZANE_CONFIG": str(config), "ZANE_URL": "", "ZANE_TOKEN": ""}
    logged = runner.invoke(
        main,
        ["login", platform.api.base_url, "--name", "here"],
        input=ADMIN_PASSWORD + "\n",
        env=env,
    )
    assert logged.exit_code == 0, logged.output
    assert "logged in to" in logged.output and "as admin (context here)" in logged.output
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert ADMIN_PASSWORD not in config.read_text()
    listed = runner.invoke(main, ["context", "ls"], env=env)
    assert listed.output.startswith("* here")
    projects = runner.invoke(main, ["get", "projects", "-o", "json"], env=env)
    assert (projects.exit_code, projects.output.strip()) == (0, "[]")


def test_a_wrong_password_and_a_plain_http_url_elsewhere_are_refused_with_a_reason(
    platform: Installation, tmp_path: Path
) -> None:
    env = {"ZANE_CONFIG": str(tmp_path / "c.yaml")}
    wrong = CliRunner().invoke(main, ["login", platform.api.base_url], input="nope\n", env=env)
    assert wrong.exit_code == 1 and "refused:" in wrong.output
    far = CliRunner().invoke(main, ["login", "http://192.0.2.10"], input="x\n", env=env)
    assert far.exit_code == 2 and "would cross the network in clear" in far.output


def test_get_lists_by_name_and_says_where_to_look(platform: Installation, tmp_path: Path) -> None:
    applied(platform, tmp_path)
    table = platform.run("get", "services", "shop/production")
    assert table.output.splitlines()[0].split() == ["SLUG", "SOURCE", "REPLICAS", "STATE"]
    assert table.output.splitlines()[1].split()[:3] == ["web", "zaneops/busybox:latest", "1"]
    wrong = platform.run("get", "services", "shop")
    assert wrong.exit_code == 2
    assert "like `zaneops get services shop/production`" in wrong.output
    missing = platform.run("get", "services", "shop/staging")
    assert missing.exit_code == 2
    assert "no environment named 'staging'" in missing.output


async def test_a_services_logs_are_printed_oldest_first(
    platform: Installation, tmp_path: Path
) -> None:
    applied(platform, tmp_path)
    listed = platform.run("get", "services", "shop/production", "-o", "json")
    service_id = uuid.UUID(listed.output.split('"id": "', 1)[1].split('"', 1)[0])
    redis = Redis.from_url(REDIS_URL)
    key = stream_keys.runtime_logs(service_id)
    try:
        for n in range(3):
            await redis.xadd(
                key, {"ts": f"2026-12-07T00:00:0{n}Z", "stream": "stdout", "line": f"line {n}"}
            )
        shown = platform.run("logs", "shop/production/web", "-n", "2")
    finally:
        await redis.delete(key)
    assert shown.output.splitlines() == [
        "2026-12-07T00:00:01Z line 1",
        "2026-12-07T00:00:02Z line 2",
    ]


def test_delete_asks_unless_told_and_removes_by_name(
    platform: Installation, tmp_path: Path
) -> None:
    applied(platform, tmp_path)
    kept = platform.run("delete", "shop/production/web")  # no answer: aborted
    assert kept.exit_code != 0
    gone = platform.run("delete", "shop/production/web", "--yes")
    assert gone.output.strip() == "service shop/production/web: deletion requested"
    assert "web" not in platform.run("get", "services", "shop/production").output
