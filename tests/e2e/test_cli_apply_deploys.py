"""A project declared in a file, applied with `zaneops apply --deploy --wait` against the
real controllers and proxy: served; the file edited (replicas 1 → 2, a new greeting), `diff`
shows exactly that, and `apply --deploy --wait` converges to it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from launcher.cli import main
from tests.support.api import api_settings, bearer_token, serving_in_thread
from tests.support.proxy import Proxy
from tests.support.swarm import BUSYBOX, WEB_COMMAND
from tests.support.waiting import eventually

MANIFEST = f"""\
apiVersion: zaneops.dev/v1
project: {{slug: cli, name: CLI}}
environments:
  - slug: production
    services:
      - slug: web
        source: {{type: image, image: "{BUSYBOX}"}}
        command: {WEB_COMMAND!r}
        replicas: 1
        env: [{{name: GREETING, value: hello from the file}}]
    domains:
      - {{domain: cli.localhost, target: {{service: web, port: 80}}}}
"""


@pytest.fixture
def cli(
    controllers: None, database_url: str, secret_key: str, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """The environment of a CI job: the API's URL and a token."""
    with serving_in_thread(api_settings(database_url, secret_key=secret_key)) as api:
        yield {
            "ZANE_URL": api.base_url,
            "ZANE_TOKEN": bearer_token(api),
            "ZANE_CONFIG": str(tmp_path / "contexts.yaml"),
        }


async def zaneops(env: dict[str, str], *args: str) -> Result:
    """Run in a thread: the controllers share this test's event loop and must go on."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, list(args), env=env, catch_exceptions=False)


async def serves(proxy: Proxy, text: str) -> bool:
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            answer = await client.get(
                f"http://127.0.0.1:{proxy.http_port}/", headers={"Host": "cli.localhost"}
            )
        except httpx.TransportError:
            return False
    return answer.status_code == 200 and text in answer.text


async def test_a_file_applied_with_deploy_is_served_and_an_edit_converges(
    cli: dict[str, str], proxy: Proxy, tmp_path: Path
) -> None:
    file = tmp_path / "cli.yaml"
    file.write_text(MANIFEST)
    first = await zaneops(cli, "apply", "-f", str(file), "--deploy", "--wait", "--timeout", "120")
    assert first.exit_code == 0, first.output
    assert "production/web: HEALTHY" in first.output
    await eventually(lambda: serves(proxy, "hello from the file"), timeout=60)

    file.write_text(
        MANIFEST.replace("replicas: 1", "replicas: 2").replace("from the file", "edited")
    )
    diff = await zaneops(cli, "diff", "-f", str(file))
    assert diff.exit_code == 1
    assert diff.output.splitlines() == [
        "~ service cli/production/web",
        '    env.GREETING.value: "hello from the file" → "hello edited"',
        "    replicas: 1 → 2",
    ]
    second = await zaneops(cli, "apply", "-f", str(file), "--deploy", "--wait", "--timeout", "120")
    assert second.exit_code == 0, second.output
    await eventually(lambda: serves(proxy, "hello edited"), timeout=60)
    listed = await zaneops(cli, "get", "services", "cli/production", "-o", "json")
    assert '"replicas": 2' in listed.output
    unchanged = await zaneops(cli, "apply", "-f", str(file), "--deploy")
    assert unchanged.output == "nothing to change\n"
