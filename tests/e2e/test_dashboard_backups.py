"""A person backs up a PostgreSQL from the dashboard (Chromium, real API, services, volumes and
backups controllers, the real engine): the backup moves from Dumping to Verified with what was
checked, a schedule is refused until it is a cron expression, and the backup restored into a
new database is checked the same way. The Backups page lists it among every database's, and
its file downloads (the API reads the controller's folder)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from tests.e2e.test_dashboard_databases import deploy_and_wait, new_project_page
from tests.support import volumes as vs
from tests.support.database_bed import backups_controller
from tests.support.database_images import ensure_database_images
from tests.support.proxy import Proxy

BACKUP_MS = 120_000


def backups_tab(page: Page) -> Locator:
    """The service page's Backups tab (the header's Backups is every database's)."""
    sections = page.get_by_role("navigation", name="Service sections")
    return sections.get_by_role("link", name="Backups", exact=True)


@pytest.fixture
def dashboard_env(tmp_path: Path) -> dict[str, str]:
    """The API reads the folder the backups controller below writes."""
    return {"ZANE_API_BACKUPS_ROOT": str(tmp_path / "backups")}


@pytest.fixture
async def backups(
    controllers: None, proxy: Proxy, database_url: str, tmp_path: Path, secret_key: str
) -> AsyncIterator[None]:
    ensure_database_images()
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(proxy.instance, database_url, tmp_path / "backups", secret_key),
    ):
        yield


async def test_person_backs_up_a_database_and_sees_it_verified(
    page: Page, backups: None, database_url: str
) -> None:
    await new_project_page(page, "Safe")
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_label("Name").fill("db")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_test_id("connection")).to_be_visible()
    await deploy_and_wait(page)

    await backups_tab(page).click()
    await expect(page.get_by_text("No backups yet")).to_be_visible()
    await page.get_by_role("button", name="Back up now").click()
    backup = page.get_by_test_id("backup").first
    await expect(backup).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)
    await expect(backup.get_by_test_id("verdict")).to_contain_text("restored into a scratch server")
    await expect(backup.get_by_text("Verified")).to_be_visible()
    await expect(backup.get_by_role("link", name="Download")).to_be_visible()

    await page.get_by_label("When (cron, UTC)").fill("every night")
    await page.get_by_role("button", name="Save schedule").click()
    await expect(page.get_by_text("is not a cron expression")).to_be_visible()
    await page.get_by_label("When (cron, UTC)").fill("0 3 * * *")
    await page.get_by_label("Keep", exact=True).fill("5")
    await expect(page.get_by_test_id("encryption-help")).to_contain_text(
        "derived from the platform's secret key"
    )
    await page.get_by_role("switch", name="Encrypt at rest").check()
    await page.get_by_role("button", name="Save schedule").click()
    await expect(page.get_by_text("On: 0 3 * * *, keeping the newest 5 verified.")).to_be_visible()
    await expect(page.get_by_text("encrypted at rest")).to_be_visible()
    await expect(page.get_by_text("pending change")).to_have_count(0)  # nothing to deploy

    # Back up now follows the policy: encrypted, and Verified like any other.
    await page.get_by_role("button", name="Back up now").click()
    encrypted = page.get_by_test_id("backup").filter(has=page.get_by_test_id("encrypted"))
    await expect(encrypted).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)
    await expect(page.get_by_test_id("backup")).to_have_count(2)
    await expect(encrypted.get_by_test_id("verdict")).to_contain_text("restored into a scratch")
    await screenshot(page, "43-database-backups")

    service_id = page.url.split("/services/")[1].split("/")[0]
    with psycopg.connect(database_url, autocommit=True) as conn:  # as if made 3 days ago
        conn.execute(
            "UPDATE backups SET created_at = now() - interval '3 days'"
            " WHERE spec->>'service_id' = %s",
            (service_id,),
        )
    await page.reload()
    await expect(page.get_by_test_id("backups-overdue")).to_contain_text(
        "no verified backup for 3 d, while the schedule makes one every 1 d"
    )

    await backup.get_by_role("button", name="Restore…").click()
    await page.get_by_label("New database name").fill("db-copy")
    await page.get_by_role("button", name="Restore", exact=True).click()
    await expect(page.get_by_role("heading", name="db-copy")).to_be_visible()
    restore = page.get_by_test_id("backup").first
    await expect(restore).to_contain_text("restore of backup")
    await expect(restore).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)
    await expect(restore.get_by_test_id("verdict")).to_contain_text("restored from backup")
    await screenshot(page, "44-database-restored")


async def test_person_restores_a_backup_here_after_typing_its_slug_and_sees_each_phase(
    page: Page, backups: None
) -> None:
    await new_project_page(page, "Here")
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_label("Name").fill("db")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_test_id("connection")).to_be_visible()
    await deploy_and_wait(page)
    await backups_tab(page).click()
    await page.get_by_role("button", name="Back up now").click()
    backup = page.get_by_test_id("backup").first
    await expect(backup).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)

    await backup.get_by_role("button", name="Restore here…").click()
    dialog = page.get_by_test_id("restore-here")
    await expect(dialog).to_contain_text("A safety backup of what db holds now")
    await expect(dialog).to_contain_text("clients of db are disconnected")
    replace = dialog.get_by_role("button", name="Replace the contents")
    await dialog.get_by_label("Type db to confirm").fill("d")
    await expect(replace).to_be_disabled()
    await dialog.get_by_label("Type db to confirm").fill("db")
    await screenshot(page, "45-database-restore-here")
    await replace.click()
    await expect(dialog).to_have_count(0)

    restore = page.get_by_test_id("backup").filter(has_text="restore here of backup")
    await expect(restore).to_have_attribute("data-phase", "SAFETY_BACKUP", timeout=BACKUP_MS)
    await expect(restore).to_contain_text("Safety backup")
    original = page.get_by_test_id("backup").filter(has_text="asked for")
    await original.get_by_role("button", name="Restore here…").click()
    await dialog.get_by_label("Type db to confirm").fill("db")
    await dialog.get_by_role("button", name="Replace the contents").click()
    await expect(dialog).to_contain_text("still running")  # one at a time
    await dialog.get_by_role("button", name="Cancel").click()

    await expect(restore).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)
    await expect(restore.get_by_test_id("verdict")).to_contain_text("restored in place")
    safety = page.get_by_test_id("backup").filter(has_text="safety backup, before a restore")
    await expect(safety).to_have_attribute("data-phase", "VERIFIED")
    await screenshot(page, "46-database-restored-here")


async def test_person_finds_a_verified_backup_on_the_backups_page_and_downloads_it(
    page: Page, backups: None, database_url: str, tmp_path: Path
) -> None:
    """From the header's Backups: an empty page says how to make one; then the backup of a
    real database, Verified, downloaded with the sha256 its row recorded, and a link to its
    database's Backups tab."""
    await log_in(page)
    await page.get_by_role("banner").get_by_role("link", name="Backups", exact=True).click()
    await expect(page.get_by_role("heading", name="Backups", exact=True)).to_be_visible()
    await expect(page.get_by_text("No backups yet")).to_be_visible()

    await page.goto("/")
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill("Vault")
    await page.get_by_role("button", name="Create project").click()
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_label("Name").fill("ledger")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_test_id("connection")).to_be_visible()
    await deploy_and_wait(page)
    service_id = page.url.split("/services/")[1].split("/")[0]
    await backups_tab(page).click()
    await page.get_by_role("button", name="Back up now").click()
    made = page.get_by_test_id("backup").first
    await expect(made).to_have_attribute("data-phase", "VERIFIED", timeout=BACKUP_MS)

    await page.get_by_role("banner").get_by_role("link", name="Backups", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/backups$"))
    row = page.get_by_test_id("overview-backup").first
    await expect(row).to_have_attribute("data-phase", "VERIFIED")
    await expect(row).to_contain_text("vault / ")
    await expect(row).to_contain_text("postgres")
    await expect(page.get_by_test_id("failed-recently")).to_contain_text("0")
    await screenshot(page, "82-backups-overview")

    async with page.expect_download() as downloading:
        await row.get_by_role("link", name="Download").click()
    download = await downloading.value
    assert re.fullmatch(r"ledger-\d{8}T\d{6}Z\.pgdump", download.suggested_filename)
    saved = tmp_path / "downloaded.pgdump"
    await download.save_as(saved)
    with psycopg.connect(database_url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT status->'details'->>'sha256' FROM backups WHERE spec->>'service_id' = %s",
            (service_id,),
        ).fetchone()
    assert found is not None
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == found[0]

    await row.get_by_role("link", name="ledger").click()
    await expect(page).to_have_url(re.compile(f"/services/{service_id}/backups$"))
    await expect(page.get_by_role("heading", name="ledger")).to_be_visible()
