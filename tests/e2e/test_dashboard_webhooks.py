"""A person sets up auto-deploy on a Git service in the dashboard, in Chromium, real API."""

from __future__ import annotations

import json

import httpx
from playwright.async_api import Dialog, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"


def _push(url: str, files: list[str]) -> httpx.Response:
    """What GitHub sends for a push to main, unsigned (the URL's token is the credential)."""
    commits = [{"id": SHA, "added": [], "modified": files, "removed": []}]
    payload = {"ref": "refs/heads/main", "after": SHA, "commits": commits}
    headers = {"X-GitHub-Event": "push", "Content-Type": "application/json"}
    return httpx.post(url, content=json.dumps(payload), headers=headers, timeout=10)


async def _create_git_service(page: Page) -> None:
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill("Hooks")
    await page.get_by_role("button", name="Create project").click()
    await page.get_by_role("link", name="+ New service").click()
    await page.get_by_role("button", name="Git repository").click()
    await page.get_by_label("Name").fill("app")
    await page.get_by_label("Repository URL").fill("https://git.example.com/acme/app.git")
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("Not deployed yet")).to_be_visible()


async def _watch_api_folder(page: Page) -> None:
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_label("Watch paths").fill("api/**")
    await page.get_by_label("Build arguments").fill("NODE_ENV=production")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("Saved: deploy to apply")).to_be_visible()


async def test_person_creates_a_webhook_pushes_and_rotates_it(page: Page) -> None:
    """The panel shows a working URL, what the last push did, and rotation retires the URL."""
    await log_in(page)
    await _create_git_service(page)
    await _watch_api_folder(page)
    await page.get_by_role("button", name="Create webhook").click()
    url = await page.get_by_label("Payload URL", exact=True).input_value()
    assert url.startswith(page.url.split("/services/")[0] + "/api/v1/webhooks/zwh_"), url
    await screenshot(page, "20-webhook-panel")

    assert _push(url, ["ui/App.tsx"]).status_code == 202
    await page.reload()
    last = page.get_by_test_id("webhook-last-delivery")
    await expect(last).to_contain_text("ignored: none of the 1 changed files matches")
    assert _push(url, ["api/main.py"]).status_code == 201
    await page.reload()
    await expect(last).to_contain_text(f"deployed {SHA[:7]}")

    await page.get_by_role("link", name="Deployments").click()
    deployment = page.get_by_test_id("deployment").first
    await expect(deployment.get_by_text("Push", exact=True)).to_be_visible()
    await expect(deployment.get_by_text(SHA[:7])).to_be_visible()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="Rotate").click()
    await expect(page.get_by_label("Payload URL", exact=True)).not_to_have_value(url)
    assert _push(url, ["api/main.py"]).status_code == 404
