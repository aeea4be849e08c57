"""Git deploy through the builds + services controllers against raw `docker build` +
`docker service create`, on the real engine and swarm; prints numbers and ratios.

python -m benchmarks.builds_bench

Cold: a repository the engine has never built (a fresh step in it). Warm: a new commit that
changes only the page (every earlier layer cached), and a redeploy of the same commit (the
deterministic tag exists: no build at all). Raw does the same builds with the classic
builder (DOCKER_BUILDKIT=0, what the Engine API build uses) from the working tree.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.support import builds as bd
from tests.support import database
from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.logging import configure_logging
from zaneops.specs.kinds import Kind

DOCKERFILE = """FROM zaneops/busybox:latest
RUN echo {nonce} > /nonce && mkdir -p /www
COPY index.html /www/index.html
CMD ["httpd", "-f", "-p", "80", "-h", "/www"]
"""


def _docker(*args: str) -> None:
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    subprocess.run(["docker", *args], check=True, capture_output=True, env=env, timeout=300)


def _files(nonce: str) -> dict[str, str]:
    return {"Dockerfile": DOCKERFILE.format(nonce=nonce), "index.html": "one\n"}


def raw_deploy(instance: str, repo: Path) -> float:
    """Seconds for `docker build` then `docker service create` until its container runs."""
    tag = f"{instance}-raw:{uuid.uuid4().hex[:8]}"
    name = f"{instance}-raw-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    _docker("build", "-q", "--label", f"zane.instance={instance}", "-t", tag, str(repo))
    _docker(
        "service", "create", "--detach", "--quiet", "--no-resolve-image", "--name", name,
        "--label", f"zane.instance={instance}", "--container-label", f"zane.instance={instance}",
        "--endpoint-mode", "dnsrr", tag,
    )  # fmt: skip
    api = sw.client().api
    while not api.containers(filters={"label": "com.docker.swarm.service.name=" + name}):
        time.sleep(0.05)
    return time.perf_counter() - started


async def controlled_deploy(store: PostgresStore, instance: str, service_id: uuid.UUID) -> float:
    """Seconds from committing the deployment and build rows to its container running."""
    row = await store.get(Kind.SERVICES, service_id)
    assert row is not None
    started = time.perf_counter()
    deployment, _ = await bd.deploy_git(store, service_id, row.spec)
    while not sw.running_containers(instance, deployment.id):
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def _timed(
    label: str, raw: Callable[[], float], ours: Callable[[], Awaitable[float]]
) -> None:
    raw_seconds = await asyncio.to_thread(raw)
    our_seconds = await ours()
    print(
        f"{label:34s} raw {raw_seconds:6.2f}s  controllers {our_seconds:6.2f}s  "
        f"ratio {our_seconds / raw_seconds:5.2f}"
    )


async def compare(work: Path) -> None:
    template = database.create_template()
    name = database.clone(template)
    url = database.url_for(name)
    store = await PostgresStore.open(url)
    instance, raw_instance = sw.new_instance(), sw.new_instance()
    nonce = uuid.uuid4().hex
    repo = bd.make_repo(work / "repo", _files(nonce))
    raw_repo = bd.make_repo(work / "raw", _files(nonce + "-raw"))
    try:
        environment = await sw.make_environment(store)
        service = await sw.make_service(store, environment.id, bd.git_spec(repo))
        async with (
            bd.builds_controller(instance, url, work),
            sw.services_controller(instance, url),
        ):

            def raw() -> float:
                return raw_deploy(raw_instance, raw_repo)

            def ours() -> Awaitable[float]:
                return controlled_deploy(store, instance, service.id)

            await _timed("cold cache (new repository)", raw, ours)
            bd.commit(repo, {"index.html": "two\n"})
            bd.commit(raw_repo, {"index.html": "two\n"})
            await _timed("warm cache (new commit, page only)", raw, ours)
            await _timed("same commit again (tag reused)", raw, ours)
    finally:
        await store.close()
        for each in (instance, raw_instance):
            sw.remove_everything(each)
            bd.remove_images(each)
        database.drop(name)
        database.drop(template)


def main() -> None:
    configure_logging("warning", json=False)
    with tempfile.TemporaryDirectory(prefix="zane-builds-bench-") as work:
        asyncio.run(compare(Path(work)))


if __name__ == "__main__":
    main()
