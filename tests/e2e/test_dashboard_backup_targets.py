"""A person sets up a backup target (an S3-compatible store) in the dashboard (Chromium, the real
API on real Postgres): refused at the bucket until its name is one, listed with its secret
masked, edited without retyping the secret, chosen as a database's backup place, and deleted
once no backup is kept there. Nothing is uploaded, so no store is needed."""

from __future__ import annotations

import psycopg
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from zaneops.common.secrets import MASK

EMPTY = "No backup targets: backups stay in the platform's backups folder"


async def test_person_adds_a_backup_target_chooses_it_for_a_database_and_deletes_it(
    page: Page, database_url: str
) -> None:
    await log_in(page)
    await page.get_by_role("link", name="Backup targets").click()
    await expect(page.get_by_text(EMPTY)).to_be_visible()
    await add_target_refused_at_the_bucket_first(page)

    target = page.get_by_role("listitem", name="Backup target offsite")
    await expect(target).to_contain_text("s3://zane-backups/zaneops/prod")
    await expect(target.get_by_test_id("secret")).to_have_text(MASK)
    await screenshot(page, "70-backup-targets")

    # Edited without retyping the secret: the masked one sent back keeps the stored one.
    await target.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit offsite")
    await expect(form.get_by_label("Secret access key")).to_have_value(MASK)
    await form.get_by_label("Region").fill("eu-west-1")
    await form.get_by_role("button", name="Save").click()
    await expect(target).to_contain_text("eu-west-1")
    await expect(target.get_by_test_id("secret")).to_have_text(MASK)

    backups_tab = await choose_it_in_a_database_backups_tab(page)

    # A backup kept there holds the target: deleting it is refused, with the reason.
    await page.get_by_role("link", name="Backup targets").click()
    await target.get_by_role("button", name="Delete…").click()
    await target.get_by_role("button", name="Delete offsite").click()
    await expect(target.get_by_role("alert")).to_contain_text("1 backups are kept in this target")
    with psycopg.connect(database_url, autocommit=True) as conn:  # as if deleted with its file
        conn.execute("DELETE FROM backups")
    # The database's schedule still names it: refused too, until the schedule keeps them here.
    await target.get_by_role("button", name="Delete offsite").click()
    await expect(target.get_by_role("alert")).to_contain_text("1 databases keep their backups")
    await keep_them_in_the_backups_folder_again(page, backups_tab)
    await page.get_by_role("link", name="Backup targets").click()
    await target.get_by_role("button", name="Delete…").click()
    await target.get_by_role("button", name="Delete offsite").click()
    await expect(page.get_by_text(EMPTY)).to_be_visible()
    await expect(page.get_by_text("offsite deleted")).to_be_visible()


async def add_target_refused_at_the_bucket_first(page: Page) -> None:
    await page.get_by_role("button", name="Add a backup target").click()
    form = page.get_by_role("form", name="New backup target")
    await expect(form.get_by_label("Region")).to_have_value("us-east-1")
    await form.get_by_label("Name").fill("offsite")
    await form.get_by_label("Endpoint").fill("https://s3.example.test")
    await form.get_by_label("Bucket").fill("Bad_Bucket")
    await form.get_by_label("Folder (optional)").fill("zaneops/prod")
    await form.get_by_label("Access key id").fill("AKIAEXAMPLE")
    await form.get_by_label("Secret access key").fill("s3cr3t-key-value")
    await form.get_by_role("button", name="Add backup target").click()
    await expect(form.get_by_label("Bucket")).to_have_attribute("aria-invalid", "true")
    await expect(form.get_by_role("alert")).to_contain_text("a bucket name has 3 to 63 lowercase")
    await screenshot(page, "71-backup-target-refused")
    await form.get_by_label("Bucket").fill("zane-backups")
    await form.get_by_role("button", name="Add backup target").click()
    await expect(form).to_have_count(0)


async def choose_it_in_a_database_backups_tab(page: Page) -> str:
    """The database's Backups tab (its address), the target chosen there."""
    """A database need not be deployed for its policy to be saved and a backup asked for."""
    await page.get_by_role("link", name="ZaneOps home").click()
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill("Kept")
    await page.get_by_role("button", name="Create project").click()
    await page.get_by_role("link", name="+ New database").click()
    await page.get_by_label("Name").fill("db")
    await page.get_by_role("button", name="Create database").click()
    await expect(page.get_by_test_id("connection")).to_be_visible()
    sections = page.get_by_role("navigation", name="Service sections")
    await sections.get_by_role("link", name="Backups", exact=True).click()

    kept_in = page.get_by_label("Keep backups in")
    await expect(kept_in).to_have_value("")  # this server's backups folder
    await kept_in.select_option(label="offsite")
    await page.get_by_label("When (cron, UTC)").fill("0 3 * * *")
    await page.get_by_role("button", name="Save schedule").click()
    await expect(
        page.get_by_text("Kept in offsite (s3://zane-backups/zaneops/prod).")
    ).to_be_visible()

    await page.get_by_role("button", name="Back up now").click()
    backup = page.get_by_test_id("backup").first
    await expect(backup.get_by_test_id("kept-in")).to_have_text("to offsite")
    await screenshot(page, "72-database-backups-kept-in-target")
    return page.url


async def keep_them_in_the_backups_folder_again(page: Page, backups_tab: str) -> None:
    await page.goto(backups_tab)
    await page.get_by_label("Keep backups in").select_option(value="")
    await page.get_by_role("button", name="Save schedule").click()
    await expect(page.get_by_text("Kept in this server's backups folder")).to_be_visible()
