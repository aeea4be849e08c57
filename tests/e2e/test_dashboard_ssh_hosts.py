"""A person reviews the SSH host keys builds pinned, and forgets one, in the dashboard."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import log_in
from tests.support import git_servers as gs
from tests.support import swarm as sw
from tests.support.dashboard import Served
from zaneops.adapters.git import Git
from zaneops.adapters.postgres.ssh_hosts import SshHostKeys
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.adapters.ssh_keys import ssh_endpoint


async def test_person_sees_a_pinned_server_with_its_fingerprint_and_forgets_it(
    page: Page, dashboard: Served, store: PostgresStore, tmp_path: Path
) -> None:
    await log_in(page)
    await page.get_by_role("link", name="SSH hosts").click()
    await expect(page.get_by_text("No SSH host used yet")).to_be_visible()

    instance = sw.new_instance()
    host_key, fingerprint = gs.new_host_key(tmp_path / "host")
    _, public_key = gs.new_deploy_key(tmp_path)
    (tmp_path / "served").mkdir()
    with (
        sw.cleaned_up(instance),
        gs.ssh_git_server(instance, tmp_path / "served", public_key, host_key) as base,
    ):
        url = f"{base}/srv/git/app.git"
        endpoint = ssh_endpoint(url)
        assert endpoint is not None
        # What the builds controller does at a server's first use.
        keys = await Git().scan_host_keys(endpoint)
        await SshHostKeys(store.pool).pin(keys, seen_for=url)

    await page.reload()
    hosts = page.get_by_test_id("ssh-host")
    await expect(hosts).to_have_count(1)
    await expect(hosts.first).to_contain_text(endpoint.token)
    await expect(hosts.first.get_by_test_id("fingerprint")).to_contain_text(fingerprint)
    await expect(hosts.first).to_contain_text(url)
    await screenshot(page, "40-ssh-hosts")

    await hosts.first.get_by_role("button", name="Forget…").click()
    await hosts.first.get_by_role("button", name=f"Forget {endpoint.token}").click()
    await expect(page.get_by_text("No SSH host used yet")).to_be_visible()
    await expect(page.get_by_text("forgotten: the next build pins")).to_be_visible()
    assert await SshHostKeys(store.pool).pinned(endpoint.token) == []
