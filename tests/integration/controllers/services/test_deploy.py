"""A deployment becomes a swarm service on the real swarm, reachable on its overlay."""

from __future__ import annotations

from tests.support import swarm as sw
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.common.secrets import SecretBox, new_key
from zaneops.specs.kinds import Kind


async def test_a_deployment_runs_as_a_dnsrr_swarm_service_answering_on_its_overlay(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """The image serves its page under the service slug; labels, aliases and env are set."""
    key = new_key()
    environment = await sw.make_environment(store, {"REGION": "eu-west"})
    secret = SecretBox(key).seal("s3cret")
    spec = sw.web_spec(
        env=[
            {"name": "GREETING", "value": "hello from {{env.REGION}}"},
            {"name": "TOKEN", "value": secret, "secret": True},
        ]
    )
    service = await sw.make_service(store, environment.id, spec)
    deployment = await sw.deploy(store, service.id, spec)
    async with sw.services_controller(instance, database_url, secret_key=key):
        await sw.wait_for_phase(store, deployment.id, "HEALTHY")
        network = naming.environment_network(instance, environment.id)
        page = await sw.http_get(instance, network, "web")
        row = await store.get(Kind.SERVICES, service.id)
    assert "hello from eu-west" in page
    inspected = sw.swarm_service(naming.swarm_service_name(instance, service.id))
    assert inspected is not None
    spec_out = inspected["Spec"]
    labels = spec_out["Labels"]
    assert labels["zane.instance"] == instance and labels["zane.managed"] == "true"
    assert labels["zane.owner"] == f"services/{service.id}" and labels["zane.spec-hash"]
    assert spec_out["EndpointSpec"]["Mode"] == "dnsrr"
    aliases = [n["Aliases"] for n in spec_out["TaskTemplate"]["Networks"]]
    # Its environment's network alone: its slug for its neighbours, its alias for the proxy.
    assert aliases == [["web", naming.service_alias(service.id)]]
    env = spec_out["TaskTemplate"]["ContainerSpec"]["Env"]
    assert "TOKEN=s3cret" in env and f"ZANE_DEPLOYMENT_ID={deployment.id}" in env
    assert f"ZANE_SERVICE_ID={service.id}" in env and "ZANE_PRIVATE_DNS=web" in env
    assert row is not None and row.status.details["current_deployment_id"] == str(deployment.id)
    assert row.status.details["running_replicas"] == 1


async def test_an_env_change_deploys_a_new_container_and_removes_the_old_deployment(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """A second deployment with another value replaces the first; the first is REMOVED."""
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, sw.web_spec())
    first = await sw.deploy(store, service.id, sw.web_spec(greeting="one"))
    async with sw.services_controller(instance, database_url):
        await sw.wait_for_phase(store, first.id, "HEALTHY")
        second = await sw.deploy(store, service.id, sw.web_spec(greeting="two"))
        await sw.wait_for_phase(store, second.id, "HEALTHY")
        await sw.wait_for_phase(store, first.id, "REMOVED")
        network = naming.environment_network(instance, environment.id)
        await eventually(lambda: len(sw.running_containers(instance, first.id)) == 0, timeout=20)
        page = await sw.http_get(instance, network, "web")
    [container] = sw.running_containers(instance, second.id)
    assert "GREETING=two" in container.attrs["Config"]["Env"]
    assert "two" in page
