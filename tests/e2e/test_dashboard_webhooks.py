"""A person sets up auto-deploy on a Git service in the dashboard, in Chromium, real API."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import httpx
from playwright.async_api import Dialog, Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SEALED_PREFIX
from zaneops.specs import Condition, ConditionStatus, Status
from zaneops.specs.kinds import Kind

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"


def _push(url: str, files: list[str], secret: str | None) -> httpx.Response:
    """What GitHub sends for a push to main: signed with the webhook's secret, or unsigned."""
    commits = [{"id": SHA, "added": [], "modified": files, "removed": []}]
    raw = json.dumps({"ref": "refs/heads/main", "after": SHA, "commits": commits}).encode()
    headers = {"X-GitHub-Event": "push", "Content-Type": "application/json"}
    if secret is not None:
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    return httpx.post(url, content=raw, headers=headers, timeout=10)


async def _fill_new_git_service(page: Page, project: str, slug: str, repository: str) -> None:
    """A new project, and the new-service form filled for a Git repository (not submitted)."""
    await page.get_by_role("button", name="+ New project").click()
    await page.get_by_label("Name").fill(project)
    await page.get_by_role("button", name="Create project").click()
    await page.get_by_role("link", name="+ New service").click()
    await page.get_by_role("button", name="Git repository").click()
    await page.get_by_label("Name").fill(slug)
    await page.get_by_label("Repository URL").fill(repository)


async def _create_git_service(page: Page) -> None:
    await _fill_new_git_service(page, "Hooks", "app", "https://git.example.com/acme/app.git")
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
    await page.get_by_role("button", name="Show").click()
    secret = await page.get_by_label("Secret", exact=True).input_value()
    await screenshot(page, "20-webhook-panel")

    last = page.get_by_test_id("webhook-last-delivery")
    assert _push(url, ["api/main.py"], secret=None).status_code == 403
    await page.reload()
    await expect(last).to_contain_text("refused: the call is not signed")
    assert _push(url, ["ui/App.tsx"], secret).status_code == 202
    await page.reload()
    await expect(last).to_contain_text("ignored: none of the 1 changed files matches")
    assert _push(url, ["api/main.py"], secret).status_code == 201
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
    token_only = page.get_by_label("Token only", exact=False)
    await token_only.click()  # asks first (accepted), then saves: checked once saved
    await expect(page.get_by_text("Unsigned calls are accepted")).to_be_visible()
    await expect(token_only).to_be_checked()
    assert _push(url, ["api/main.py"], secret=None).status_code == 201
    await page.reload()
    await expect(last).to_contain_text("deployed the branch head")
    await page.get_by_role("button", name="Rotate").click()
    await expect(page.get_by_label("Payload URL", exact=True)).not_to_have_value(url)
    assert _push(url, ["api/main.py"], secret).status_code == 404


STORED = "stored — leave empty to keep"
# Shaped like a deploy key; nothing clones with it here.
PRIVATE_KEY = "\n".join(
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "-----END OPENSSH PRIVATE KEY-----",
    ]
)
FAILURE = "\n".join(
    [
        "Step 2/3 : RUN make failed: exit code 2",
        "last log lines:",
        "Step 2/3 : RUN make",
        "make: *** no rule",
    ]
)


async def _give_access_token(page: Page) -> None:
    """A deploy key left empty is refused in the form; a token is saved and reads back stored."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("button", name="SSH deploy key").click()
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("paste the private key of the deploy key")).to_be_visible()
    await page.get_by_role("button", name="Access token").click()
    await page.get_by_label("Access token", exact=True).fill("glpat-e2e-secret")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text("Saved: deploy to apply")).to_be_visible()
    await page.reload()
    token = page.get_by_label("Access token", exact=True)
    await expect(token).to_have_value("")
    await expect(token).to_have_attribute("placeholder", STORED)
    await screenshot(page, "21-private-repository")


async def _fail_build(store: PostgresStore, service_id: uuid.UUID) -> None:
    """What the builds controller writes when a Dockerfile step fails."""
    (deployment,) = await store.list_children(Kind.DEPLOYMENTS, service_id)
    (build,) = await store.list_children(Kind.BUILDS, deployment.id)
    failed = Condition(
        type="Succeeded", status=ConditionStatus.FALSE, reason="BuildFailed", message=FAILURE
    )
    status = Status(observed_generation=1, conditions=[failed], details={"phase": "FAILED"})
    await store.write_status(Kind.BUILDS, build.id, status)


async def test_person_gives_a_token_and_follows_the_build(page: Page, store: PostgresStore) -> None:
    """The token is stored sealed and never shown; a deployment shows its build's phase, then why
    it failed."""
    await log_in(page)
    await _create_git_service(page)
    await _give_access_token(page)
    service_id = uuid.UUID(page.url.split("/services/")[1].split("/")[0])
    stored = await store.get(Kind.SERVICES, service_id)
    assert stored is not None
    assert stored.spec["source"]["credentials"]["token"].startswith(SEALED_PREFIX)

    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments").click()
    progress = page.get_by_test_id("deployment").first.get_by_test_id("build-status")
    await expect(progress).to_contain_text("Build: Queued")  # no builds controller here
    await _fail_build(store, service_id)
    failure = progress.get_by_test_id("build-failure")
    await expect(failure).to_contain_text("Build failed: Step 2/3 : RUN make failed: exit code 2")
    await expect(failure).to_contain_text("make: *** no rule")
    await screenshot(page, "22-build-failed")


async def test_person_creates_a_private_git_service_with_its_deploy_key(
    page: Page, store: PostgresStore
) -> None:
    """Credentials can be given on creation: a pasted public key is refused at the field, the
    private key is stored sealed and reads back as stored in Settings."""
    await log_in(page)
    await _fill_new_git_service(
        page, "Private", "secret-app", "git@git.example.com:acme/secret-app.git"
    )
    await page.get_by_role("button", name="SSH deploy key").click()
    key = page.get_by_label("Deploy key (private)")
    await key.fill("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e deploy@example")
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("this is a public key")).to_be_visible()
    await key.fill(PRIVATE_KEY)
    await page.get_by_role("button", name="Create service").click()
    await expect(page.get_by_text("Not deployed yet")).to_be_visible()

    service_id = uuid.UUID(page.url.split("/services/")[1].split("/")[0])
    stored = await store.get(Kind.SERVICES, service_id)
    assert stored is not None
    assert stored.spec["source"]["credentials"]["ssh_key"].startswith(SEALED_PREFIX)
    await page.get_by_role("link", name="Settings").click()
    stored_key = page.get_by_label("Deploy key (private)")
    await expect(stored_key).to_have_value("")
    await expect(stored_key).to_have_attribute("placeholder", STORED)
