"""A person pins a service to the servers with a label from its Resources tab: a label typed
with a space is refused at the field, the fixed rule is saved and deployed, and the swarm
service runs under that constraint (the real services controller on the real swarm)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import (
    ROLLOUT_MS,
    create_project_and_service,
    log_in,
    set_up_the_app,
)
from tests.support import swarm as sw
from tests.support.proxy import Proxy
from zaneops.common import naming

LABEL = "zane-test.placement-ui"


@pytest.fixture
def labelled_node() -> Iterator[None]:
    """This machine's swarm node, labelled LABEL=here for the test."""
    [node] = sw.client().nodes.list()
    spec = node.attrs["Spec"]
    node.update({**spec, "Labels": {**(spec.get("Labels") or {}), LABEL: "here"}})
    try:
        yield
    finally:
        node.reload()
        spec = node.attrs["Spec"]
        labels = {k: v for k, v in (spec.get("Labels") or {}).items() if k != LABEL}
        node.update({**spec, "Labels": labels})


async def test_person_pins_a_service_to_labelled_servers_and_it_runs_there(
    page: Page, controllers: None, proxy: Proxy, labelled_node: None
) -> None:
    await log_in(page)
    service_id = await create_project_and_service(page, "attached")
    await set_up_the_app(page)

    await page.get_by_role("link", name="Resources").click()
    form = page.get_by_role("form", name="Placement")
    await expect(form.get_by_role("heading", name="Any server")).to_be_visible()
    await form.get_by_role("button", name="Add a rule").click()
    await form.get_by_label("Server label").fill("placement ui")
    await form.get_by_label("Value").fill("here")
    await form.get_by_role("button", name="Save placement").click()
    await expect(form.get_by_text("a server label's key is letters")).to_be_visible()
    await screenshot(page, "60-placement-refused")

    await form.get_by_label("Server label").fill(LABEL)
    await expect(form.get_by_text(f"node.labels.{LABEL} == here")).to_be_visible()
    await form.get_by_role("button", name="Save placement").click()
    await expect(page.get_by_text("Placement saved: deploy to apply")).to_be_visible()
    await page.reload()
    await expect(
        page.get_by_role("form", name="Placement").get_by_label("Server label")
    ).to_have_value(LABEL)

    await page.get_by_role("button", name="Deploy", exact=True).first.click()
    await page.get_by_role("link", name="Deployments").click()
    deployments = page.get_by_test_id("deployment")
    await expect(deployments.first).to_have_attribute("data-phase", "HEALTHY", timeout=ROLLOUT_MS)
    await screenshot(page, "61-placement-deployed")
    inspected = sw.swarm_service(naming.swarm_service_name(proxy.instance, service_id))
    assert inspected is not None
    constraints = inspected["Spec"]["TaskTemplate"]["Placement"]["Constraints"]
    assert constraints == [f"node.labels.{LABEL}==here"]
