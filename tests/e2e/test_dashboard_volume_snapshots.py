"""A person snapshots a volume from the dashboard (Chromium, real API, services, volumes and
backups controllers, real restic): a database's data volume, on its service's Volumes tab, is
backed up and seen Verified with what was checked, then restored into a new volume, checked
file by file; the Backups page lists the snapshot by its volume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_databases import deploy_and_wait, new_project_page
from tests.support import volumes as vs
from tests.support.database_bed import backups_controller
from tests.support.database_images import ensure_database_images
from tests.support.images import CONTEXTS, ensure_built
from tests.support.proxy import Proxy

SNAPSHOT_MS = 120_000
RESTIC_IMAGE = "zaneops-test/restic:local"


@pytest.fixture
async def backups(
    controllers: None, proxy: Proxy, database_url: str, tmp_path: Path, secret_key: str
) -> AsyncIterator[None]:
    ensure_database_images()
    image = ensure_built(RESTIC_IMAGE, CONTEXTS / "restic")
    async with (
        vs.volumes_controller(proxy.instance, database_url, tmp_path / "volumes"),
        backups_controller(
            proxy.instance, database_url, tmp_path / "backups", secret_key, snapshot_image=image
        ),
    ):
        yield


async def test_person_snapshots_a_volume_sees_it_verified_and_restores_it_into_a_new_volume(
    page: Page, backups: None
) -> None:
    await new_project_page(page, "Files")
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_label("Name").fill("db")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_test_id("connection")).to_be_visible()
    await deploy_and_wait(page)

    sections = page.get_by_role("navigation", name="Service sections")
    await sections.get_by_role("link", name="Volumes", exact=True).click()
    card = page.get_by_test_id("volume-snapshots").first
    await expect(card.get_by_text("No snapshots yet")).to_be_visible()
    await card.get_by_role("button", name="Back up now").click()
    snapshot = card.get_by_test_id("snapshot").first
    await expect(snapshot).to_have_attribute("data-phase", "VERIFIED", timeout=SNAPSHOT_MS)
    await expect(snapshot.get_by_test_id("verdict")).to_contain_text("checksums equal")
    await expect(snapshot).to_contain_text("files")

    await card.get_by_label("When (cron, UTC)").fill("nightly")
    await card.get_by_role("button", name="Save snapshot schedule").click()
    await expect(card.get_by_text("is not a cron expression")).to_be_visible()
    await card.get_by_label("When (cron, UTC)").fill("0 4 * * *")
    await card.get_by_label("Snapshots kept").fill("3")
    await card.get_by_role("button", name="Save snapshot schedule").click()
    await expect(card.get_by_text("On: 0 4 * * *, keeping the newest 3 verified.")).to_be_visible()
    await screenshot(page, "47-volume-snapshots")

    await snapshot.get_by_role("button", name="Restore into a new volume…").click()
    await page.get_by_label("New volume name").fill("db-files")
    await page.get_by_role("button", name="Restore", exact=True).click()
    restore = card.get_by_test_id("snapshot").first
    await expect(restore).to_contain_text("restore into volume db-files", timeout=SNAPSHOT_MS)
    await expect(restore).to_have_attribute("data-phase", "VERIFIED", timeout=SNAPSHOT_MS)
    await expect(restore.get_by_test_id("verdict")).to_contain_text("restored from snapshot")

    await page.get_by_role("banner").get_by_role("link", name="Backups", exact=True).click()
    line = page.get_by_test_id("overview-backup").filter(has_text="restic").first
    await expect(line).to_contain_text("volume")
    await screenshot(page, "48-volume-snapshot-overview")
