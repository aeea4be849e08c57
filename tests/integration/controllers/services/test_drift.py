"""Drift on the real swarm: hand removals repaired, strays collected, deletes cleaned up."""

from __future__ import annotations

import uuid

from tests.support import swarm as sw
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common import naming
from zaneops.specs.kinds import Kind


async def test_a_swarm_service_removed_by_hand_is_back_within_seconds(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """Docker's remove event wakes the service, which is created again with the same spec."""
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, sw.web_spec())
    deployment = await sw.deploy(store, service.id, sw.web_spec())
    name = naming.swarm_service_name(instance, service.id)
    async with sw.services_controller(instance, database_url):
        await sw.wait_for_phase(store, deployment.id, "HEALTHY")
        sw.client().api.remove_service(name)
        await eventually(lambda: sw.swarm_service(name) is None, timeout=5)
        took = await eventually(lambda: sw.swarm_service(name) is not None, timeout=10)
        await eventually(lambda: len(sw.running_containers(instance, deployment.id)) == 1)
    assert took < 5, f"restored after {took:.1f}s"
    assert len(sw.client().api.services(filters={"name": name})) == 1


async def test_a_stray_labelled_service_is_removed_and_a_deleted_service_leaves_nothing(
    store: PostgresStore, database_url: str, instance: str
) -> None:
    """A service of our instance with no row is collected; deleting a row removes its service."""
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, sw.web_spec())
    deployment = await sw.deploy(store, service.id, sw.web_spec())
    stray_id = uuid.uuid4()
    stray = naming.swarm_service_name(instance, stray_id)
    sw.client().services.create(
        sw.BUSYBOX,
        ["sleep", "600"],
        name=stray,
        labels={
            "zane.instance": instance,
            "zane.managed": "true",
            "zane.owner": f"services/{stray_id}",
        },
        endpoint_spec={"Mode": "dnsrr"},
    )
    name = naming.swarm_service_name(instance, service.id)
    async with sw.services_controller(instance, database_url) as runner:
        await sw.wait_for_phase(store, deployment.id, "HEALTHY")
        await runner._resync_once()  # the periodic backstop, without waiting for it
        await eventually(lambda: sw.swarm_service(stray) is None, timeout=10)
        await store.request_delete(Kind.SERVICES, service.id)
        await eventually(lambda: sw.swarm_service(name) is None, timeout=10)

        async def row_gone() -> bool:
            return await store.get(Kind.SERVICES, service.id) is None

        await eventually(row_gone, timeout=10)
