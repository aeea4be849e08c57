"""A person's journey through the dashboard, in Debian's Chromium against the real API.

The journey runs against the real services and routes controllers and the real proxy: the
test only clicks and reads. The health/resources/volumes test still plays the services
controller (it writes a deployment's status) because its service is not meant to run.
"""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from tests.e2e.conftest import screenshot
from tests.support.api import ADMIN_PASSWORD, REDIS_URL
from tests.support.proxy import Proxy
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.redis import stream_keys as logstreams
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind

DOMAIN = "shop.localhost"
# WEB_COMMAND of tests/support/swarm.py, typed as a person would, saying hello on stdout too.
START_COMMAND = (
    'sh -c \'mkdir -p /www && echo "$GREETING" > /www/index.html'
    ' && echo "started $GREETING" && exec httpd -f -p 80 -h /www\''
)
MASK = "••••••••"  # what the dashboard shows in place of a secret's value
ROLLOUT_MS = 60_000  # a rollout takes a few seconds; the shared machine may be busy
LOGS_MS = 20_000


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


async def forget_logs(service_id: uuid.UUID) -> None:
    """The runtime log stream the services controller filled for this test's service."""
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.delete(logstreams.runtime_logs(service_id))
    finally:
        await redis.aclose()


async def log_in(page: Page) -> None:
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await screenshot(page, "01-login")
    await page.get_by_label("User name").fill("admin")
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    # Served over plain HTTP here: every page says so until HTTPS is set up.
    await expect(page.get_by_role("alert").filter(has_text="plain HTTP")).to_be_visible()


async def create_project_and_service(page: Page, network: str) -> uuid.UUID:
    """`network`: what the environment's private-network card must come to say (attached
    with the networks controller running, pending without)."""
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
    card = page.get_by_test_id("environment-network")
    await expect(card).to_have_attribute("data-state", network, timeout=ROLLOUT_MS)
    if network == "attached":
        await expect(card.get_by_text("Isolated · proxy attached")).to_be_visible()
    else:
        await expect(card.get_by_text("Setting up")).to_be_visible()
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


async def set_up_the_app(page: Page) -> None:
    """What a person sets before the first deploy: the start command and a greeting to serve."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_label("Start command").fill(START_COMMAND)
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("Saved: deploy to apply")).to_be_visible()
    await page.get_by_role("link", name="Variables").click()
    await page.get_by_role("button", name="+ Add variable").click()
    await page.get_by_label("Name of variable 1").fill("GREETING")
    await page.get_by_label("Value of GREETING").fill("hello from zane")
    await page.get_by_role("button", name="Save variables").click()
    await expect(page.get_by_text("Variables saved: deploy to apply them")).to_be_visible()


async def add_domain(page: Page) -> None:
    await page.get_by_role("link", name="Domains").click()
    await page.get_by_label("Domain", exact=True).fill(DOMAIN)
    await page.get_by_role("button", name="Add domain").click()
    await expect(page.get_by_role("link", name=f"{DOMAIN} ↗")).to_be_visible()


async def deploy_and_watch(page: Page) -> None:
    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await expect(deployments).to_have_count(1)
    # No reload: the page polls, so the controller's status shows by itself.
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)
    await expect(deployments.first.get_by_text("Live")).to_be_visible()
    await expect(page.get_by_text("Not deployed yet")).to_be_hidden()
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_role("link", name=f"{DOMAIN} ↗")).to_be_visible()
    await expect(page.get_by_text("1 / 1 running")).to_be_visible()
    await screenshot(page, "05-service-overview")


async def sees_the_app(page: Page, proxy: Proxy, text: str, name: str) -> None:
    """Opens the domain in a tab of its own: Chromium resolves *.localhost to loopback."""
    app = await page.context.new_page()
    url = f"http://{DOMAIN}:{proxy.http_port}/"

    async def shows() -> bool:
        try:
            answer = await app.goto(url)
        except PlaywrightError:  # the proxy's route or the upstream is not there yet
            return False
        return answer is not None and answer.ok and text in await app.inner_text("body")

    await eventually(shows, timeout=ROLLOUT_MS / 1000, every=0.3, message=f"{url} shows {text}")
    await expect(app.locator("body")).to_have_text(text)
    await screenshot(app, name)
    await app.close()


async def read_logs(page: Page) -> None:
    """The container's own output, shipped to Redis by the services controller."""
    await page.get_by_role("link", name="Logs").click()
    logs = page.get_by_role("log")
    await expect(logs.get_by_text("started hello from zane")).to_be_visible(timeout=LOGS_MS)
    await expect(page.get_by_text("Live", exact=True)).to_be_visible()
    await screenshot(page, "06-logs-live")
    await page.get_by_label("Search logs").fill("STARTED")
    await expect(logs.locator("mark")).to_have_text("started")
    await page.get_by_label("Search logs").fill("")


async def change_variables(page: Page) -> None:
    await page.get_by_role("link", name="Variables").click()
    await page.get_by_role("button", name="+ Add variable").click()
    await page.get_by_label("Name of variable 2").fill("MODE")
    await page.get_by_label("Value of MODE").fill("production")
    # Sealed by the API, opened by the services controller: both hold the same key.
    await page.get_by_label("MODE is secret").check()
    await page.get_by_role("button", name="Save variables").click()
    banner = page.get_by_role("region", name="Pending changes")
    await expect(banner.get_by_text("1 pending change")).to_be_visible()
    await page.get_by_role("button", name=".env").click()
    editor = page.get_by_label("Variables as .env")
    await expect(editor).to_have_value(f'GREETING="hello from zane"\nMODE={MASK}\n')
    await editor.fill(f'GREETING="hello from zane"\nMODE={MASK}\nbad line\n')
    await expect(page.get_by_text("Line 3: expected NAME=value")).to_be_visible()
    await editor.fill(f'GREETING="hello world"\nMODE={MASK}\n')
    await page.get_by_role("button", name="Save variables").click()
    await expect(banner.get_by_text("2 pending changes")).to_be_visible()
    await banner.get_by_role("button", name="Review changes").click()
    await expect(banner.get_by_text("Variable GREETING")).to_be_visible()
    await screenshot(page, "07-variables-pending-diff")


async def deploy_again(page: Page, proxy: Proxy) -> None:
    banner = page.get_by_role("region", name="Pending changes")
    await banner.get_by_role("button", name="Deploy").click()
    await expect(banner.get_by_text("Rolling out 2 changes.")).to_be_visible()
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await expect(deployments).to_have_count(2)
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)
    await expect(banner).to_be_hidden()
    await deployments.first.get_by_text("2 changes from the previous deployment").click()
    await expect(deployments.first.get_by_text("Variable MODE")).to_be_visible()
    await sees_the_app(page, proxy, "hello world", "08-app-after-redeploy")
    # The replaced swarm service's output is followed too, without reloading the logs.
    await page.get_by_role("link", name="Logs").click()
    logs = page.get_by_role("log")
    await expect(logs.get_by_text("started hello world")).to_be_visible(timeout=LOGS_MS)


async def roll_back(page: Page, proxy: Proxy) -> None:
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await deployments.nth(1).get_by_role("button", name="Roll back to this").click()
    await expect(deployments).to_have_count(3)
    await expect(deployments.first.get_by_text("Rollback")).to_be_visible()
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)
    # The rolled-back snapshot lacks the variables: they show as pending again.
    await expect(page.get_by_text("2 pending changes")).to_be_visible()
    await screenshot(page, "08-deployments-after-rollback")
    await sees_the_app(page, proxy, "hello from zane", "08-app-after-rollback")


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


async def delete_service(page: Page, proxy: Proxy) -> None:
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="Delete service").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name="Delete")).to_be_disabled()
    await dialog.get_by_label("Type web to confirm").fill("web")
    await screenshot(page, "11-delete-confirm")
    await dialog.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No services in this environment")).to_be_visible()

    async def unrouted() -> bool:
        async with httpx.AsyncClient(timeout=5) as client:
            url = f"http://127.0.0.1:{proxy.http_port}/"
            return (await client.get(url, headers={"Host": DOMAIN})).status_code == 404

    await eventually(unrouted, timeout=ROLLOUT_MS / 1000, every=0.3, message=f"{DOMAIN} gone")


async def test_person_deploys_sees_the_app_reads_logs_changes_rolls_back_and_deletes(
    page: Page, controllers: None, proxy: Proxy
) -> None:
    """Against the real controllers and proxy: nothing here writes a status or a log line."""
    await log_in(page)
    await screenshot(page, "02-projects-empty")
    service_id = await create_project_and_service(page, network="attached")
    try:
        await set_up_the_app(page)
        await add_domain(page)
        await deploy_and_watch(page)
        await sees_the_app(page, proxy, "hello from zane", "05b-app-through-proxy")
        await read_logs(page)
        await change_variables(page)
        await deploy_again(page, proxy)
        await roll_back(page, proxy)
        await search_for(page, "web")
        await small_and_dark(page)
        await delete_service(page, proxy)
    finally:
        await forget_logs(service_id)


async def set_shared_variables(page: Page) -> None:
    """A bad line and a name the API refuses are shown under the editor; a good one is kept."""
    await page.get_by_role("button", name="Edit as .env").click()
    editor = page.get_by_label("Shared variables as .env")
    await editor.fill("bad line\n")
    await expect(page.get_by_text("Line 1: expected NAME=value")).to_be_visible()
    await editor.fill(f"{'N' * 256}=x\n")
    await page.get_by_role("button", name="Save shared variables").click()
    await expect(page.get_by_text("at most 255 characters, got 256")).to_be_visible()
    await editor.fill("REGION=eu-west\n")
    await page.get_by_role("button", name="Save shared variables").click()
    await expect(page.get_by_text("Shared variables saved: deploy to apply them")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("cell", name="eu-west")).to_be_visible()


async def test_api_refusals_show_next_to_the_field(page: Page) -> None:
    """A wrong password, an invalid image or shared variable are explained where typed."""
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
    await set_shared_variables(page)
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
    service_id = await create_project_and_service(page, network="pending")
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
    await expect(page.get_by_text("volume data", exact=True)).to_be_visible()
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
