"""A person turns config as code on for a Git service in the dashboard (Chromium, real API,
builds and services controllers): the repository's zaneops.yaml decides the replicas, and the
deployment says what it took from the file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import ROLLOUT_MS, log_in
from tests.e2e.test_dashboard_webhooks import _fill_new_git_service
from tests.support import builds as bd
from tests.support.proxy import Proxy

CONFIG = "apiVersion: zaneops.dev/v1\nservice:\n  replicas: 2\n"


@pytest.fixture
async def builds(
    controllers: None, proxy: Proxy, database_url: str, secret_key: str, tmp_path: Path
) -> AsyncIterator[None]:
    try:
        async with bd.builds_controller(
            proxy.instance, database_url, tmp_path, secret_key=secret_key
        ):
            yield
    finally:
        bd.remove_images(proxy.instance)


async def test_person_turns_config_as_code_on_and_the_deployment_shows_what_the_file_set(
    page: Page, builds: None, tmp_path: Path
) -> None:
    files = {"Dockerfile": bd.WEB_DOCKERFILE, "index.html": "hi\n", "zaneops.yaml": CONFIG}
    repo = bd.make_repo(tmp_path / "repo", files)
    await log_in(page)
    await _fill_new_git_service(page, "Coded", "coded", str(repo))
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("Not deployed yet")).to_be_visible()

    await page.get_by_role("link", name="Settings").click()
    config_file = page.get_by_label("Config file")
    await config_file.fill("../outside.yaml")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("a path must stay inside the repository")).to_be_visible()
    await config_file.fill("zaneops.yaml")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("Saved: deploy to apply")).to_be_visible()

    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments", exact=True).click()
    deployment = page.get_by_test_id("deployment").first
    await expect(deployment).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS * 2)
    await expect(deployment.get_by_test_id("from-repository")).to_have_text(
        "From zaneops.yaml: replicas"
    )
    await screenshot(page, "40-config-as-code")
