"""A person deploys something that cannot run as a service and reads why, in the dashboard:
the reason as a title, what to do, and the container's last log lines apart."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import ROLLOUT_MS, create_project_and_service, forget_logs, log_in

# A one-off script, as a person might first try to deploy a migration.
ONE_OFF = "sh -c 'echo migrating the schema; echo migrated 3 tables'"


async def test_a_container_that_exits_zero_fails_saying_a_service_must_keep_running(
    page: Page, controllers: None
) -> None:
    await log_in(page)
    service_id = await create_project_and_service(page, network="attached")
    try:
        await page.get_by_role("link", name="Settings").click()
        await page.get_by_label("Start command").fill(ONE_OFF)
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_text("Saved: deploy to apply")).to_be_visible()
        await page.get_by_role("button", name="Deploy", exact=True).first.click()
        await page.get_by_role("link", name="Deployments").click()

        deployment = page.get_by_test_id("deployment").first
        await expect(deployment).to_have_attribute("data-phase", "FAILED", timeout=ROLLOUT_MS)
        failure = deployment.get_by_test_id("deployment-failure")
        await expect(failure.get_by_text("Exited with zero", exact=True)).to_be_visible()
        await expect(failure).to_contain_text("a service must keep running")
        await expect(failure).to_contain_text("did you mean a job")
        lines = failure.get_by_label("Last log lines")
        await expect(lines).to_contain_text("migrated 3 tables")
        await expect(failure).not_to_contain_text("complete: finished")
        await screenshot(page, "30-deployment-failed-exit-zero")
    finally:
        await forget_logs(service_id)
