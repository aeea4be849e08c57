"""A person runs things to completion from the dashboard: a service made a job (a migration
on each deploy) and a one-off command beside a running service, its output live."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import (
    ROLLOUT_MS,
    create_project_and_service,
    forget_logs,
    log_in,
    set_up_the_app,
)
from tests.support import swarm as sw
from tests.support.api import REDIS_URL
from tests.support.proxy import Proxy
from zaneops.adapters.redis import stream_keys as logstreams


@pytest.fixture
async def runs(proxy: Proxy, database_url: str, secret_key: str) -> AsyncIterator[None]:
    async with sw.runs_controller(proxy.instance, database_url, secret_key):
        yield


async def test_a_job_made_in_the_dashboard_runs_to_completion_on_each_deploy(
    page: Page, controllers: None
) -> None:
    await log_in(page)
    await create_project_and_service(page, network="attached")
    await page.get_by_role("link", name="production").first.click()  # the breadcrumb
    await page.get_by_role("link", name="+ New service").click()
    await page.get_by_label("Name").fill("migrate")
    await page.get_by_label("Image").fill("zaneops/busybox:latest")
    await page.get_by_role("button", name="Job").click()
    await page.get_by_label("Command").fill("sh -c 'echo migrating; echo migrated 3 tables'")
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("Job: runs to completion on each deploy")).to_be_visible()
    service_id = _service_id(page)
    try:
        await page.get_by_role("button", name="Run job", exact=True).click()
        await page.get_by_role("link", name="Deployments", exact=True).click()
        deployment = page.get_by_test_id("deployment").first
        await expect(deployment).to_have_attribute("data-phase", "SUCCEEDED", timeout=ROLLOUT_MS)
        await expect(deployment.get_by_text("Succeeded")).to_be_visible()
        await screenshot(page, "31-job-succeeded")
    finally:
        await forget_logs(service_id)


async def test_a_one_off_command_shows_its_output_live_and_its_exit_code(
    page: Page, controllers: None, runs: None
) -> None:
    await log_in(page)
    service_id = await create_project_and_service(page, network="attached")
    run_ids: list[str] = []
    try:
        await set_up_the_app(page)
        await page.get_by_role("button", name="Deploy", exact=True).first.click()
        await page.get_by_role("link", name="Deployments", exact=True).click()
        deployments = page.get_by_test_id("deployment")
        await expect(deployments.first).to_have_attribute(
            "data-phase", "HEALTHY", timeout=ROLLOUT_MS
        )

        await page.get_by_role("link", name="Run command").click()
        command = page.get_by_label("Command", exact=True)
        await command.fill("sh -c 'echo \"greeting: $GREETING\"; sleep 1; echo bad >&2; exit 3'")
        await page.get_by_role("button", name="Run", exact=True).click()
        run = page.get_by_test_id("run").first
        output = run.get_by_label("Command output")
        # Streamed while it runs: the first line shows before the run ends.
        await expect(output).to_contain_text("greeting: hello from zane", timeout=ROLLOUT_MS)
        await expect(run).to_have_attribute("data-phase", "FAILED", timeout=ROLLOUT_MS)
        await expect(run.get_by_text("exit code 3")).to_be_visible()
        await expect(run.get_by_test_id("run-failure")).to_contain_text("exited with code 3")
        await expect(output).to_contain_text("bad")
        await screenshot(page, "32-command-failed")

        await command.fill("echo all good")
        await page.get_by_role("button", name="Run", exact=True).click()
        newest = page.get_by_test_id("run").first
        await expect(newest).to_have_attribute("data-phase", "SUCCEEDED", timeout=ROLLOUT_MS)
        await expect(newest.get_by_label("Command output")).to_contain_text("all good")
        await expect(page.get_by_test_id("run")).to_have_count(2)
        await screenshot(page, "33-command-succeeded")
        run_ids = [str(i) for i in await _run_ids(page)]
        # The service kept serving throughout: its deployment is still the healthy one.
        await page.get_by_role("link", name="Deployments", exact=True).click()
        await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY")
    finally:
        await forget_logs(service_id)
        await _forget_run_output(run_ids)


def _service_id(page: Page) -> uuid.UUID:
    found = re.search(r"/services/([0-9a-f-]{36})", page.url)
    assert found, page.url
    return uuid.UUID(found.group(1))


async def _run_ids(page: Page) -> list[uuid.UUID]:
    service_id = _service_id(page)
    answer = await page.request.get(f"/api/v1/services/{service_id}/runs")
    assert answer.ok, await answer.text()
    return [uuid.UUID(item["id"]) for item in (await answer.json())["items"]]


async def _forget_run_output(run_ids: list[str]) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        for run_id in run_ids:
            await redis.delete(logstreams.run_logs(uuid.UUID(run_id)))
    finally:
        await redis.aclose()
