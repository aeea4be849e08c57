"""A person makes a MariaDB in the dashboard (Chromium, real API, services, volumes and backups
controllers, the real engine in Swarm): its Connection card gives the mysql:// URL, it deploys
healthy, and its Backups tab backs it up to Verified."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_backups import BACKUP_MS, backups, backups_tab
from tests.e2e.test_dashboard_databases import deploy_and_wait, new_project_page
from zaneops.common.secrets import MASK

__all__ = ["backups"]  # the fixture, shared


async def test_person_makes_a_mariadb_connects_to_it_and_backs_it_up(
    page: Page, backups: None
) -> None:
    await new_project_page(page, "Shop data")
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_role("button", name="MariaDB 10.11").click()
    await page.get_by_label("Name").fill("db")
    await page.get_by_role("button", name="Create database").click()

    connection = page.get_by_test_id("connection")
    await expect(connection.get_by_role("textbox", name="Host")).to_have_value("db:3306")
    await expect(connection.get_by_role("textbox", name="User")).to_have_value("app")
    await expect(connection.get_by_role("textbox", name="URL")).to_have_value(
        f"mysql://app:{MASK}@db:3306/app"
    )
    await deploy_and_wait(page)

    await backups_tab(page).click()
    await page.get_by_role("button", name="Back up now").click()
    backup = page.get_by_test_id("backup").first
    await expect(backup).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)
    await expect(backup.get_by_test_id("verdict")).to_contain_text("restored into a scratch server")
    await screenshot(page, "44-mariadb-backups")
