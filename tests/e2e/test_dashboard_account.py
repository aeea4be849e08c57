"""A person looks after their account in the dashboard: sessions, API tokens, password."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from tests.support.api import ADMIN_PASSWORD
from tests.support.dashboard import Served

NEW_PASSWORD = "correct horse battery staple, longer"


def second_login(served: Served) -> httpx.Client:
    """Another browser (a phone, a thief): its own session."""
    client = httpx.Client(base_url=served.base_url + "/api/v1", timeout=10)
    answer = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    answer.raise_for_status()
    return client


async def test_person_ends_another_session_makes_a_token_and_changes_the_password(
    page: Page, dashboard: Served
) -> None:
    """The other session is listed and ended; a token is shown once, listed with its expiry,
    revoked; the password change works and the old password no longer does."""
    await log_in(page)
    other = second_login(dashboard)
    await page.get_by_role("link", name="admin").click()
    await expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    sessions = page.get_by_test_id("session")
    await expect(sessions).to_have_count(2)
    await expect(page.get_by_text("this session")).to_be_visible()
    await screenshot(page, "30-account")
    await sessions.filter(has_not_text="this session").get_by_role("button", name="End").click()
    await expect(sessions).to_have_count(1)
    assert other.get("/auth/me").status_code == 401
    other.close()

    await page.get_by_label("Token name").fill("laptop CLI")
    await page.get_by_label("Expires after (days)").fill("30")
    await page.get_by_role("button", name="Create token").click()
    token = await page.get_by_test_id("new-token").inner_text()
    assert token.startswith("zane_")
    listed = page.get_by_test_id("token")
    await expect(listed).to_contain_text("laptop CLI")
    await expect(listed).to_contain_text("expires")
    with httpx.Client(base_url=dashboard.base_url + "/api/v1", timeout=10) as cli:
        assert cli.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        await listed.get_by_role("button", name="Revoke").click()
        await expect(page.get_by_text("No API tokens yet")).to_be_visible()
        assert cli.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    await page.get_by_label("Current password").fill(ADMIN_PASSWORD)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("Password changed")).to_be_visible()
    with httpx.Client(base_url=dashboard.base_url + "/api/v1", timeout=10) as fresh:
        old = {"username": "admin", "password": ADMIN_PASSWORD}
        assert fresh.post("/auth/login", json=old).status_code == 401
        new = {"username": "admin", "password": NEW_PASSWORD}
        assert fresh.post("/auth/login", json=new).status_code == 200
