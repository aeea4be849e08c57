"""Edge policies on a real Caddy: sign-in, networks, headers, compression, body limit,
maintenance and the www. variant, each switched by the domain's spec alone (no deploy).

Requests go to 127.0.0.1 on the proxy's host-mode port with a Host header; a busybox httpd
stands in for the service. A second client is a network namespace the test makes.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import bcrypt
import httpx
import pytest

from controllers.routes import RoutesController
from tests.support.certificates import self_signed, serial_of
from tests.support.netns import client_namespace
from tests.support.proxy import Proxy, remove_instance, routes_factory, start_proxy, start_upstream
from tests.support.runtime import running
from tests.support.waiting import eventually
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs.certificates import expiry_of
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import StoredObject

INSTANCE = f"t-{uuid.uuid4().hex[:8]}"
APP = uuid.uuid4()
PAGE = "edge-" + "x" * 2000  # long enough to be worth compressing
SWARM_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    started = start_proxy(INSTANCE)
    start_upstream(INSTANCE, APP, PAGE)
    try:
        yield started
    finally:
        remove_instance(INSTANCE, [started.shared_dir])


@pytest.fixture
async def routes(database_url: str, proxy: Proxy) -> AsyncIterator[RoutesController]:
    factory = routes_factory(proxy, drift_check_seconds=0.3)
    async with running(factory, database_url, installation={"instance": INSTANCE}) as runner:
        assert isinstance(runner.controller, RoutesController)
        yield runner.controller


@pytest.fixture
async def environment(store: PostgresStore) -> uuid.UUID:
    project = await store.create(Kind.PROJECTS, {"slug": "p", "name": "P"})
    return (await store.create(Kind.ENVIRONMENTS, {"slug": "prod"}, project.id)).id


def spec(host: str, **policies: Any) -> dict[str, Any]:
    return {"domain": host, "target": {"service_id": str(APP), "port": 80}, **policies}


async def get(proxy: Proxy, host: str, **options: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        method = options.pop("method", "GET")
        headers = {"Host": host, **options.pop("headers", {})}
        url = f"http://127.0.0.1:{proxy.http_port}/"
        return await client.request(method, url, headers=headers, **options)


async def served(proxy: Proxy, host: str, status: int, **options: Any) -> httpx.Response:
    """The answer once the proxy gives `status` (the spec's change has been loaded)."""
    answers: list[httpx.Response] = []

    async def gives() -> bool:
        try:
            answers.append(await get(proxy, host, **dict(options)))
        except httpx.TransportError:
            return False
        return answers[-1].status_code == status

    await eventually(gives, timeout=SWARM_TIMEOUT, message=f"{host} answering {status}")
    return answers[-1]


async def edit(store: PostgresStore, row: StoredObject, **policies: Any) -> None:
    current = await store.get(Kind.DOMAINS, row.id)
    assert current is not None
    changed = {**current.spec, **policies}
    await store.update_spec(Kind.DOMAINS, row.id, changed, current.generation)


def hashed(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


async def test_basic_auth_asks_for_a_user_and_lets_the_right_one_in(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    users = [{"username": "preview", "password": hashed("s3cret-pass")}]
    await store.create(Kind.DOMAINS, spec("auth.example.com", basic_auth=users), environment)
    refused = await served(proxy, "auth.example.com", 401)
    assert "basic" in refused.headers["www-authenticate"].lower()
    wrong = await get(proxy, "auth.example.com", auth=("preview", "nope"))
    assert wrong.status_code == 401
    right = await get(proxy, "auth.example.com", auth=("preview", "s3cret-pass"))
    assert right.status_code == 200 and PAGE in right.text


async def test_an_allow_list_refuses_other_addresses_and_a_deny_list_its_own(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    """Two clients: a network namespace (its own address) and this host (which the proxy
    sees as the Docker bridge's gateway)."""
    with client_namespace() as outsider:
        allowed = spec("ips.example.com", allow_networks=[f"{outsider.address}/32"])
        row = await store.create(Kind.DOMAINS, allowed, environment)
        await served(proxy, "ips.example.com", 403)  # the host is not on the list
        status, page = outsider.get(proxy.http_port, "ips.example.com")
        assert (status, PAGE in page) == (200, True)
        await edit(store, row, allow_networks=[], deny_networks=[outsider.address])
        await served(proxy, "ips.example.com", 200)
        status, page = outsider.get(proxy.http_port, "ips.example.com")
        assert status == 403 and "Not allowed from here" in page


async def test_headers_are_set_and_answers_compressed_when_the_visitor_asks(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    policies = {"security_headers": True, "response_headers": {"X-Team": "{env.HOME} blue"}}
    await store.create(Kind.DOMAINS, spec("headers.example.com", **policies), environment)
    answer = await served(proxy, "headers.example.com", 200, headers={"Accept-Encoding": "gzip"})
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert answer.headers["x-team"] == "{env.HOME} blue"  # a placeholder stays text
    assert answer.headers["content-encoding"] == "gzip" and PAGE in answer.text
    plain = await get(proxy, "headers.example.com", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_a_body_over_the_limit_gets_413_and_one_under_it_goes_through(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    await store.create(Kind.DOMAINS, spec("body.example.com", max_body_size="1Ki"), environment)
    await served(proxy, "body.example.com", 200)
    big = await get(proxy, "body.example.com", method="POST", content=b"x" * 4096)
    assert big.status_code == 413 and "Request too large" in big.text
    small = await get(proxy, "body.example.com", method="POST", content=b"x" * 100)
    assert small.status_code != 413


async def test_the_maintenance_page_goes_on_and_off_without_a_deploy(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    row = await store.create(Kind.DOMAINS, spec("maint.example.com"), environment)
    await served(proxy, "maint.example.com", 200)
    await edit(store, row, maintenance=True, maintenance_message="Back at 5 <b>{env.HOME}</b>")
    page = await served(proxy, "maint.example.com", 503)
    assert "Back at 5 &lt;b&gt;{env.HOME}&lt;/b&gt;" in page.text
    assert page.headers["retry-after"] == "300"
    await edit(store, row, maintenance=False)
    assert PAGE in (await served(proxy, "maint.example.com", 200)).text


async def test_the_www_variant_redirects_to_the_domain_keeping_the_path(
    proxy: Proxy, routes: RoutesController, store: PostgresStore, environment: uuid.UUID
) -> None:
    await store.create(Kind.DOMAINS, spec("apex.example.com", redirect_www=True), environment)
    moved = await served(proxy, "www.apex.example.com", 308)
    assert moved.headers["location"] == "http://apex.example.com/"
    deep = await get(proxy, "www.apex.example.com", params={"q": "1"})
    assert deep.headers["location"] == "http://apex.example.com/?q=1"
    assert PAGE in (await get(proxy, "apex.example.com")).text


def served_certificate(proxy: Proxy, host: str) -> str:
    """The certificate the proxy presents for `host` (SNI), as openssl s_client prints it."""
    handshake = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{proxy.https_port}", "-servername", host],
        input="",
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    begin = handshake.stdout.find("-----BEGIN CERTIFICATE-----")
    end = handshake.stdout.find("-----END CERTIFICATE-----")
    if begin < 0 or end < 0:
        return ""
    return handshake.stdout[begin : end + len("-----END CERTIFICATE-----")] + "\n"


async def test_an_uploaded_certificate_is_served_for_its_domain_and_its_expiry_reported(
    proxy: Proxy, database_url: str, store: PostgresStore, environment: uuid.UUID
) -> None:
    """Checked with openssl s_client: the uploaded certificate, not one from Caddy's CA."""
    chain, key = self_signed("custom.localhost")
    certificate = {"certificate": chain, "private_key": key}  # as the API would hand it, opened
    factory = routes_factory(proxy, https=True, public_https_port=proxy.https_port)
    async with running(factory, database_url, installation={"instance": INSTANCE}):
        row = await store.create(
            Kind.DOMAINS, spec("custom.localhost", certificate=certificate), environment
        )

        async def presented() -> bool:
            served = await asyncio.to_thread(served_certificate, proxy, "custom.localhost")
            return bool(served) and serial_of(served) == serial_of(chain)

        await eventually(presented, timeout=SWARM_TIMEOUT, message="the uploaded certificate")

        async def reported() -> bool:
            found = await store.get(Kind.DOMAINS, row.id)
            condition = found.status.condition("Certificate") if found else None
            return condition is not None and condition.reason == "Valid"

        await eventually(reported, message="the certificate's state in the status")
        found = await store.get(Kind.DOMAINS, row.id)
        assert found is not None
        assert found.status.details["certificate_expires_at"].startswith(
            f"{expiry_of(chain):%Y-%m-%d}"
        )
