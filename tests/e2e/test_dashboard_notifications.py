"""A person sets up notifications in the dashboard (Chromium, the real API, the real
notifications controller, a real HTTP receiver and a real SMTP server on loopback): a webhook
refused at its fields until it is right, a test that fails with the receiver's answer and then
arrives signed with the generated secret, an email channel whose test lands in the mailbox."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from controllers import notifications
from controllers.notifications.settings import NotificationsSettings
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from tests.support.receivers import HttpReceiver, Mailbox
from tests.support.runtime import running
from tests.support.waiting import eventually

DELIVERY_MS = 20_000
TEST_INTERVAL = 3.2  # the API's pause between two tests of one channel, and a little more


@pytest.fixture
async def notifier(database_url: str, secret_key: str) -> AsyncIterator[None]:
    settings = NotificationsSettings(allow_local_addresses=True, first_retry_seconds=0.5)
    async with running(
        lambda deps: notifications.build(deps, settings),
        database_url,
        installation={"secret_key": secret_key},
    ):
        yield


async def test_person_adds_a_webhook_and_an_email_channel_and_sees_their_tests_arrive(
    page: Page, notifier: None, receiver: HttpReceiver, mailbox: Mailbox
) -> None:
    await log_in(page)
    await page.get_by_role("link", name="Notifications").click()
    await expect(page.get_by_text("No channel yet")).to_be_visible()
    await screenshot(page, "60-notifications-empty")

    secret = await add_webhook_channel(page, receiver)
    await refused_then_delivered(page, receiver, secret)
    await add_email_channel(page, mailbox)

    mail = page.get_by_role("region", name="Channel ops mail")
    await mail.get_by_role("button", name="Send a test").click()
    sent = mail.get_by_test_id("delivery").first
    await expect(sent).to_have_attribute("data-phase", "DELIVERED", timeout=DELIVERY_MS)
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["Subject"] == "[ZaneOps] Test message from ZaneOps"
    assert mailbox.envelopes[0][1] == ["ops@example.test", "dev@example.test"]

    await mail.get_by_role("button", name="Edit").click()
    form = page.get_by_role("form", name="Edit channel")
    await form.get_by_role("checkbox", name="Backup failed").uncheck()
    await form.get_by_role("button", name="Save").click()
    await expect(mail).to_contain_text("11 kinds of event")
    await mail.get_by_role("button", name="Delete…").click()
    await mail.get_by_role("button", name="Delete ops mail and its log").click()
    await expect(page.get_by_role("region", name="Channel ops mail")).to_have_count(0)
    await screenshot(page, "63-notifications-after-delete")


async def add_webhook_channel(page: Page, receiver: HttpReceiver) -> str:
    """Refused at its fields first; returns the secret the form generated."""
    await page.get_by_role("button", name="New channel").click()
    form = page.get_by_role("form", name="New channel")
    await form.get_by_label("Name").fill("ops hook")
    await form.get_by_label("URL").fill("ftp://hooks.example.test")
    await form.get_by_label("Signing secret").fill("short")
    await form.get_by_role("button", name="Add channel").click()
    await expect(form.get_by_text("must be absolute")).to_be_visible()
    await expect(form.get_by_text("at least 16 characters")).to_be_visible()
    await screenshot(page, "61-notifications-refused")
    await form.get_by_label("URL").fill(f"{receiver.url}/hook")
    await form.get_by_role("button", name="Generate").click()
    shown = await form.get_by_test_id("secret-shown").inner_text()
    secret = shown.rsplit(" ", 1)[1]
    await form.get_by_role("checkbox", name="Deployment succeeded").check()
    await form.get_by_role("button", name="Add channel").click()
    return secret


async def refused_then_delivered(page: Page, receiver: HttpReceiver, secret: str) -> None:
    """A test the receiver refuses fails with its answer; the next one arrives, signed."""
    hook = page.get_by_role("region", name="Channel ops hook")
    await expect(hook).to_contain_text("every event")
    await expect(hook.get_by_text("Nothing sent yet")).to_be_visible()
    receiver.answers = [404]  # the receiver is not set up yet: it refuses
    await hook.get_by_role("button", name="Send a test").click()
    first_test = time.monotonic()
    failed = hook.get_by_test_id("delivery").first
    await expect(failed).to_have_attribute("data-phase", "FAILED", timeout=DELIVERY_MS)
    await expect(failed.get_by_test_id("delivery-note")).to_contain_text("answered HTTP 404")

    await eventually(lambda: time.monotonic() - first_test > TEST_INTERVAL, timeout=10)
    await hook.get_by_role("button", name="Send a test").click()
    delivered = hook.get_by_test_id("delivery").first
    await expect(delivered).to_have_attribute("data-phase", "DELIVERED", timeout=DELIVERY_MS)
    await expect(delivered.get_by_text("Delivered")).to_be_visible()
    arrived = receiver.received[-1]
    stamp = arrived.headers["x-zane-timestamp"]
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + arrived.body, hashlib.sha256)
    assert arrived.headers["x-zane-signature"] == "sha256=" + mac.hexdigest()
    assert b"Test message from ZaneOps" in arrived.body
    await screenshot(page, "62-notifications-delivered")


async def add_email_channel(page: Page, mailbox: Mailbox) -> None:
    await page.get_by_role("button", name="New channel").click()
    form = page.get_by_role("form", name="New channel")
    await form.get_by_label("Name").fill("ops mail")
    await form.get_by_label("Kind").select_option("email")
    await form.get_by_label("SMTP server").fill(mailbox.host)
    await form.get_by_label("Port").fill(str(mailbox.port))
    await form.get_by_label("Security").select_option("none")
    await form.get_by_label("From").fill("zane@example.test")
    await form.get_by_label("To").fill("not an address")
    await form.get_by_role("button", name="Add channel").click()
    await expect(form.get_by_text("name@example.com")).to_be_visible()
    await form.get_by_label("To").fill("ops@example.test, dev@example.test")
    await form.get_by_role("button", name="Add channel").click()
