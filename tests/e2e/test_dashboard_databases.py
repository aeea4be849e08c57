"""A person makes a PostgreSQL in the dashboard (Chromium, real API, services and volumes
controllers, the real engine in Swarm): it deploys healthy, and its page tells how to connect,
the password shown only when asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import ROLLOUT_MS, log_in
from tests.support import swarm as sw
from tests.support import volumes as vs
from tests.support.database_images import ensure_database_images
from tests.support.proxy import Proxy
from zaneops.common.secrets import MASK


@pytest.fixture
async def volumes(
    controllers: None, proxy: Proxy, database_url: str, tmp_path: Path
) -> AsyncIterator[None]:
    ensure_database_images()
    async with vs.volumes_controller(proxy.instance, database_url, tmp_path):
        yield


async def new_project_page(page: Page, name: str) -> None:
    await log_in(page)
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill(name)
    await page.get_by_role("button", name="Create project").click()


async def deploy_and_wait(page: Page) -> None:
    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments", exact=True).click()
    deployment = page.get_by_test_id("deployment").first
    await expect(deployment).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)


async def test_person_makes_a_postgres_deploys_it_and_reveals_how_to_connect(
    page: Page, volumes: None
) -> None:
    await new_project_page(page, "Data")
    await page.get_by_role("link", name="+ New database").click()
    await expect(page.get_by_role("button", name="PostgreSQL 15")).to_have_attribute(
        "aria-pressed", "true"
    )
    await page.get_by_label("Name").fill("db")
    await page.get_by_label("Public port").fill("54x")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_text("a port is a whole number")).to_be_visible()
    await page.get_by_label("Public port").fill("")
    await screenshot(page, "41-new-database")
    await page.get_by_role("button", name="Create database").click()

    connection = page.get_by_test_id("connection")
    await expect(connection.get_by_role("textbox", name="Host")).to_have_value("db:5432")
    await expect(connection.get_by_role("textbox", name="Password")).to_have_value(MASK)
    reference = connection.get_by_role("textbox", name="Reference")
    await expect(reference).to_have_value("{{services.db.DATABASE_URL}}")

    await deploy_and_wait(page)
    await page.get_by_role("link", name="Overview", exact=True).click()
    await page.get_by_role("button", name="Reveal password").click()
    password = connection.get_by_role("textbox", name="Password")
    await expect(password).not_to_have_value(MASK)
    shown = await password.input_value()
    assert len(shown) == 32
    await expect(connection.get_by_role("textbox", name="URL")).to_have_value(
        f"postgresql://app:{shown}@db:5432/app"
    )
    await screenshot(page, "42-database-connection")
    await page.get_by_role("button", name="Hide password").click()
    await expect(password).to_have_value(MASK)

    # Its data volume keeps it on the server the volume was made on, and the page says so.
    server = sw.client().info()["Name"]
    sections = page.get_by_role("navigation", name="Service sections")
    await sections.get_by_role("link", name="Resources", exact=True).click()
    pin = page.get_by_role("form", name="Placement").get_by_test_id("volume-pin")
    await expect(pin).to_contain_text(f"Runs on server {server}: its volume")
    await sections.get_by_role("link", name="Volumes", exact=True).click()
    await expect(page.get_by_text(f"on server {server}")).to_be_visible()
    await screenshot(page, "42b-database-volume-server")
