"""Issue 16, item 4, on the real swarm: a service's placement rules on the servers' labels.
The test machine's one node gets a label for the test; a rule it meets runs the service there,
a rule no server meets fails the deployment naming the rule and what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming

LABEL = "zane-test.placement"


@pytest.fixture
def labelled_node() -> Iterator[str]:
    """This machine's swarm node, labelled LABEL=here for the test."""
    [node] = sw.client().nodes.list()
    spec = node.attrs["Spec"]
    node.update({**spec, "Labels": {**(spec.get("Labels") or {}), LABEL: "here"}})
    try:
        yield node.id
    finally:
        node.reload()
        spec = node.attrs["Spec"]
        labels = {k: v for k, v in (spec.get("Labels") or {}).items() if k != LABEL}
        node.update({**spec, "Labels": labels})


async def test_a_service_whose_rule_the_node_meets_runs_there_under_that_constraint(
    store: PostgresStore, database_url: str, instance: str, labelled_node: str
) -> None:
    """label == here: HEALTHY, and the swarm service carries the constraint."""
    spec = sw.web_spec(placement=[{"label": LABEL, "value": "here"}])
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url):
        await sw.wait_for_phase(store, deployment.id, "HEALTHY")
    inspected = sw.swarm_service(naming.swarm_service_name(instance, service.id))
    assert inspected is not None
    placement = inspected["Spec"]["TaskTemplate"]["Placement"]
    assert placement["Constraints"] == [f"node.labels.{LABEL}==here"]


async def test_a_rule_no_server_meets_fails_the_deployment_naming_the_rule(
    store: PostgresStore, database_url: str, instance: str, labelled_node: str
) -> None:
    """label differs from here, on a one-node swarm whose node has it: NoServerFits."""
    spec = sw.web_spec(placement=[{"label": LABEL, "match": "differs", "value": "here"}])
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url, rollout_timeout_seconds=8):
        failed = await sw.wait_for_phase(store, deployment.id, "FAILED", timeout=60)
    why = failed.status.condition("Deployed")
    assert why is not None and why.reason == "NoServerFits", why
    assert f"node.labels.{LABEL}!=here" in why.message
    assert "zaneops node label" in why.message
