"""A certificate the real Caddy (zaneops/caddy:local, Debian's 2.6.2) cannot get becomes the
domain's Certificate condition, with Caddy's own reason.

No internet here: the ACME CA is an address on the proxy container's loopback where nothing
listens, so the first attempt fails at once. Caddy asks before getting a certificate; the ask
goes to a busybox upstream this test starts (it answers 200 to anything).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from controllers.routes import RoutesController
from tests.support.proxy import Proxy, remove_instance, routes_factory, start_proxy, start_upstream
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.naming import service_alias
from zaneops.specs.kinds import Kind
from zaneops.specs.status import Condition

INSTANCE = f"t-{uuid.uuid4().hex[:8]}"
APP = uuid.uuid4()  # the domain's service, and the ask endpoint's stand-in
UNREACHABLE_CA = "https://127.0.0.1:1/directory"
SWARM_TIMEOUT = 60.0
HOST = "cannot-issue.example.com"

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    started = start_proxy(INSTANCE)
    start_upstream(INSTANCE, APP, "hello-app")
    try:
        yield started
    finally:
        remove_instance(INSTANCE, [started.shared_dir])


@pytest.fixture
async def controller(database_url: str, proxy: Proxy) -> AsyncIterator[RoutesController]:
    factory = routes_factory(
        proxy,
        https=True,
        public_https_port=proxy.https_port,
        ask_url=f"http://{service_alias(APP)}:80/",
        acme_ca=UNREACHABLE_CA,
        tls_log=str(proxy.shared_dir / "tls.log"),
        drift_check_seconds=0.3,
    )
    async with running(factory, database_url, installation={"instance": INSTANCE}) as runner:
        assert isinstance(runner.controller, RoutesController)
        yield runner.controller


def handshake(port: int, host: str) -> None:
    """A TLS handshake for `host` on loopback: Caddy holds it while it tries for a
    certificate, so it gives up soon; the attempt goes on in Caddy."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            pass
    except OSError:
        pass  # a timeout or an alert: expected, no certificate to show


async def certificate(store: PostgresStore, row_id: uuid.UUID) -> Condition | None:
    row = await store.get(Kind.DOMAINS, row_id)
    return row.status.condition("Certificate") if row else None


async def test_a_certificate_caddy_cannot_get_marks_the_domain_with_caddys_reason(
    proxy: Proxy, controller: RoutesController, store: PostgresStore
) -> None:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    environment = await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)
    target = {"service_id": str(APP), "port": 80}
    row = await store.create(Kind.DOMAINS, {"domain": HOST, "target": target}, environment.id)

    async def served() -> bool:
        found = await store.get(Kind.DOMAINS, row.id)
        ready = found.status.condition("Ready") if found else None
        return ready is not None and ready.status == "True"

    await eventually(served, timeout=SWARM_TIMEOUT, message="the domain served")

    async def failed() -> bool:
        await asyncio.to_thread(handshake, proxy.https_port, HOST)
        condition = await certificate(store, row.id)
        return condition is not None and condition.reason == "IssueFailed"

    await eventually(failed, timeout=SWARM_TIMEOUT, every=0.5, message="Certificate IssueFailed")
    condition = await certificate(store, row.id)
    assert condition is not None and condition.status == "False"
    assert "127.0.0.1:1" in condition.message and "connection refused" in condition.message
    assert len(condition.message) <= 500
    # The next load keeps it: the routes controller's own status writes do not drop it.
    changed = await store.update_spec(
        Kind.DOMAINS, row.id, {"domain": HOST, "target": target, "compress": False}
    )

    async def applied() -> bool:
        found = await store.get(Kind.DOMAINS, row.id)
        return found is not None and found.status.details.get("applied_generation") == (
            changed.generation
        )

    await eventually(applied, message="the change applied")
    kept = await certificate(store, row.id)
    assert kept is not None and kept.reason == "IssueFailed"
