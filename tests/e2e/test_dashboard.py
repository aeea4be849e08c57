"""A person's journey through the dashboard, in Debian's Chromium against the real API.

The controllers are being built in parallel, so these tests play their part the way the
services controller will: they write each deployment's status (the phase in
status.details, a Ready condition) into Postgres with PostgresStore.write_status, and
runtime log entries into the service's Redis stream (zaneops.logstreams).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from playwright.async_api import Page, expect
from redis.asyncio import Redis

from tests.e2e.conftest import screenshot
from tests.support.api import ADMIN_PASSWORD
from zaneops import logstreams
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.kinds import Kind
from zaneops.specs import Condition, ConditionStatus, Status


def _ready(ready: ConditionStatus, reason: str, **details: object) -> Status:
    condition = Condition(type="Ready", status=ready, reason=reason, message=f"{reason} (test)")
    return Status(observed_generation=1, conditions=[condition], details=dict(details))


async def _deployment_ids(store: PostgresStore, service_id: uuid.UUID) -> list[uuid.UUID]:
    """Newest first, as the dashboard lists them."""
    rows = await store.list_children(Kind.DEPLOYMENTS, service_id)
    return [row.id for row in sorted(rows, key=lambda row: row.created_at, reverse=True)]


async def _mark_newest(store: PostgresStore, service_id: uuid.UUID, phase: str) -> None:
    """What the services controller writes once a rollout ends."""
    newest = (await _deployment_ids(store, service_id))[0]
    ok = ConditionStatus.TRUE if phase == "HEALTHY" else ConditionStatus.FALSE
    await store.write_status(Kind.DEPLOYMENTS, newest, _ready(ok, "TasksRunning", phase=phase))


async def _log(redis: Redis, service_id: uuid.UUID, line: str, stream: str = "stdout") -> None:
    fields = {"ts": datetime.now(UTC).isoformat(), "stream": stream, "line": line}
    await redis.xadd(logstreams.runtime_logs(service_id), fields)  # type: ignore[arg-type]


async def log_in(page: Page) -> None:
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await screenshot(page, "01-login")
    await page.get_by_label("User name").fill("admin")
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()


async def create_project_and_service(page: Page) -> uuid.UUID:
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill("Shop")
    await expect(page.get_by_label("Slug")).to_have_value("shop")
    await page.get_by_role("button", name="Create project").click()
    await expect(page.get_by_role("link", name="production")).to_have_class("active")
    await page.get_by_role("button", name="+ Environment").click()
    await page.get_by_label("Slug").fill("staging")
    await page.get_by_role("button", name="Create environment").click()
    await expect(page.get_by_role("link", name="staging")).to_have_class("active")
    await page.get_by_role("link", name="production").click()
    await expect(page.get_by_text("No services in this environment")).to_be_visible()
    await screenshot(page, "03-project-empty")

    await page.get_by_role("link", name="+ New service").click()
    await page.get_by_label("Name").fill("web")
    await page.get_by_label("Image").fill("zaneops/busybox:latest")
    await screenshot(page, "04-new-service")
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("Not deployed yet")).to_be_visible()
    found = re.search(r"/services/([0-9a-f-]{36})", page.url)
    assert found, page.url
    return uuid.UUID(found.group(1))


async def add_domain(page: Page) -> None:
    await page.get_by_role("link", name="Domains").click()
    await page.get_by_label("Domain", exact=True).fill("shop.example.com")
    await page.get_by_role("button", name="Add domain").click()
    await expect(page.get_by_role("link", name="shop.example.com ↗")).to_be_visible()


async def deploy_and_watch(page: Page, store: PostgresStore, service_id: uuid.UUID) -> None:
    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await expect(deployments).to_have_count(1)
    await expect(deployments.first).to_have_attribute("data-phase", "QUEUED")
    await _mark_newest(store, service_id, "HEALTHY")
    await store.write_status(Kind.SERVICES, service_id, _ready(ConditionStatus.TRUE, "Running"))
    # No reload: the page polls, so the new status shows by itself.
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY")
    await expect(deployments.first.get_by_text("Live")).to_be_visible()
    await expect(page.get_by_text("Not deployed yet")).to_be_hidden()
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_role("link", name="shop.example.com ↗")).to_be_visible()
    await screenshot(page, "05-service-overview")


async def read_logs(page: Page, redis: Redis, service_id: uuid.UUID) -> None:
    for line in ("booting", "listening on :80"):
        await _log(redis, service_id, line)
    await _log(redis, service_id, "warning: no config file", "stderr")
    await page.get_by_role("link", name="Logs").click()
    logs = page.get_by_role("log")
    await expect(logs.get_by_text("listening on :80")).to_be_visible()
    await expect(page.get_by_text("Live", exact=True)).to_be_visible()
    await _log(redis, service_id, "GET / 200 (arrived live)")
    await expect(logs.get_by_text("GET / 200 (arrived live)")).to_be_visible()
    await screenshot(page, "06-logs-live")
    await page.get_by_label("Search logs").fill("LISTEN")
    await expect(logs.get_by_text("booting")).to_be_hidden()
    await expect(logs.locator("mark")).to_have_text("listen")


async def change_variables(page: Page) -> None:
    await page.get_by_role("link", name="Variables").click()
    await page.get_by_role("button", name="+ Add variable").click()
    await page.get_by_label("Name of variable 1").fill("MODE")
    await page.get_by_label("Value of MODE").fill("production")
    await page.get_by_role("button", name="Save variables").click()
    banner = page.get_by_role("region", name="Pending changes")
    await expect(banner.get_by_text("1 pending change")).to_be_visible()
    await page.get_by_role("button", name=".env").click()
    editor = page.get_by_label("Variables as .env")
    await expect(editor).to_have_value("MODE=production\n")
    await editor.fill("MODE=production\nbad line\n")
    await expect(page.get_by_text("Line 2: expected NAME=value")).to_be_visible()
    await editor.fill('MODE=production\nGREETING="hello world"\n')
    await page.get_by_role("button", name="Save variables").click()
    await expect(banner.get_by_text("2 pending changes")).to_be_visible()
    await banner.get_by_role("button", name="Review changes").click()
    await expect(banner.get_by_text("Variable GREETING")).to_be_visible()
    await screenshot(page, "07-variables-pending-diff")


async def deploy_again_and_roll_back(
    page: Page, store: PostgresStore, service_id: uuid.UUID
) -> None:
    banner = page.get_by_role("region", name="Pending changes")
    await banner.get_by_role("button", name="Deploy").click()
    await expect(banner.get_by_text("Rolling out 2 changes.")).to_be_visible()
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await expect(deployments).to_have_count(2)
    await _mark_newest(store, service_id, "HEALTHY")
    await expect(banner).to_be_hidden()
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY")
    await deployments.first.get_by_text("2 changes from the previous deployment").click()
    await expect(deployments.first.get_by_text("Variable MODE")).to_be_visible()

    await deployments.nth(1).get_by_role("button", name="Roll back to this").click()
    await expect(deployments).to_have_count(3)
    await expect(deployments.first.get_by_text("Rollback")).to_be_visible()
    await expect(deployments.first).to_have_attribute("data-phase", "QUEUED")
    await _mark_newest(store, service_id, "HEALTHY")
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY")
    # The rolled-back snapshot lacks the variables: they show as pending again.
    await expect(page.get_by_text("2 pending changes")).to_be_visible()
    await screenshot(page, "08-deployments-after-rollback")


async def search_for(page: Page, text: str) -> None:
    await page.get_by_role("link", name="Shop").first.click()
    await page.keyboard.press("Control+k")
    await page.get_by_role("combobox").fill(text)
    await expect(page.get_by_role("option", name=re.compile(text))).to_be_visible()
    await screenshot(page, "09-search")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=text, exact=True)).to_be_visible()


async def small_and_dark(page: Page) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.emulate_media(color_scheme="dark")
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_role("heading", name="web", exact=True)).to_be_visible()
    await screenshot(page, "10-phone-dark")
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.emulate_media(color_scheme="light")


async def delete_service(page: Page) -> None:
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="Delete service").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name="Delete")).to_be_disabled()
    await dialog.get_by_label("Type web to confirm").fill("web")
    await screenshot(page, "11-delete-confirm")
    await dialog.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No services in this environment")).to_be_visible()


async def test_person_deploys_reads_logs_changes_rolls_back_and_deletes(
    page: Page, store: PostgresStore, redis: Redis
) -> None:
    """Log in → project → service → domain → deploy → logs → variable diff → rollback → delete."""
    await log_in(page)
    await screenshot(page, "02-projects-empty")
    service_id = await create_project_and_service(page)
    try:
        await add_domain(page)
        await deploy_and_watch(page, store, service_id)
        await read_logs(page, redis, service_id)
        await change_variables(page)
        await deploy_again_and_roll_back(page, store, service_id)
        await search_for(page, "web")
        await small_and_dark(page)
        await delete_service(page)
    finally:
        await redis.delete(logstreams.runtime_logs(service_id))


async def test_api_refusals_show_next_to_the_field(page: Page) -> None:
    """A wrong password and an invalid image are explained where the person typed them."""
    await page.goto("/login")
    await page.get_by_label("User name").fill("admin")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("wrong user name or password")
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill("Errors")
    await page.get_by_role("button", name="Create project").click()
    await page.get_by_role("link", name="+ New service").click()
    await page.get_by_label("Name").fill("Bad Name")
    await page.get_by_label("Image").fill("NGINX")
    await page.get_by_role("button", name="Create service").click()
    image = page.get_by_label("Image")
    await expect(image).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("a repository name must be lowercase")).to_be_visible()
    await expect(page.get_by_text("a slug must be lowercase")).to_be_visible()
    await screenshot(page, "12-field-errors")


async def test_health_resources_and_volumes_become_pending_and_purge_on_delete(
    page: Page, store: PostgresStore
) -> None:
    """Health check, limits and a new volume show as pending; deleting with purge drops it."""
    await log_in(page)
    service_id = await create_project_and_service(page)
    environment_id = (await store.get(Kind.SERVICES, service_id)).parent_id  # type: ignore[union-attr]

    await page.get_by_role("link", name="Health check").click()
    await page.get_by_role("button", name="HTTP").click()
    await page.get_by_label("Port").fill("0")
    await page.get_by_role("button", name="Save health check").click()
    await expect(page.get_by_text("a port must be between 1 and 65535, got 0")).to_be_visible()
    await page.get_by_label("Port").fill("80")
    await page.get_by_role("button", name="Save health check").click()
    await screenshot(page, "13-health-check")

    await page.get_by_role("link", name="Resources").click()
    await page.get_by_label("Memory limit").fill("256Mi")
    await page.get_by_label("CPU limit").fill("500m")
    await page.get_by_role("button", name="Save resources").click()
    await screenshot(page, "14-resources")

    await page.get_by_role("link", name="Volumes").click()
    await page.get_by_label("New volume's name").fill("data")
    await page.get_by_role("button", name="Mount").click()
    await expect(page.get_by_text("volume data")).to_be_visible()
    await screenshot(page, "15-volumes")

    # A first deployment, so the banner lists changes against it rather than "Not deployed yet".
    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await expect(page.get_by_text("The first deployment is on its way.")).to_be_visible()
    await _mark_newest(store, service_id, "HEALTHY")
    await page.get_by_role("link", name="Resources").click()
    await page.get_by_label("Replicas").fill("2")
    await page.get_by_role("button", name="Save resources").click()
    banner = page.get_by_role("region", name="Pending changes")
    await banner.get_by_role("button", name="Review changes").click()
    await expect(banner.get_by_text("Replicas")).to_be_visible()
    await expect(banner.get_by_text("1", exact=True)).to_be_visible()

    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="Delete service").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Also delete its volumes").check()
    await dialog.get_by_label("Type web to confirm").fill("web")
    await dialog.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No services in this environment")).to_be_visible()
    assert environment_id is not None
    assert await store.list_children(Kind.VOLUMES, environment_id) == []
