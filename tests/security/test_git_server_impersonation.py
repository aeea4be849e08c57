"""Issue 15, item 10: a Git server's SSH host key is pinned at first use.

The attack: whoever can stand in for the Git server on the network (DNS, a hijacked
address, a hostile network between the platform and the server) answers a build's SSH
connection with a key of their own, serves their code, and it is built and deployed. Before:
every build ran ssh with `StrictHostKeyChecking=accept-new` and a fresh known_hosts, so any
key was accepted every time. Now the key the server presented first is pinned in the
database; a build reaching a server that presents another is refused with both
fingerprints, until a person forgets the old key (API and dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import builds as bd
from tests.support import git_servers as gs
from tests.support import swarm as sw
from tests.support.api import api_settings, log_in, serving
from tests.support.proxy import free_port
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SecretBox, new_key

DOCKERFILE = "FROM zaneops/busybox:latest\nCOPY page.txt /page.txt\n"


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with sw.cleaned_up(name):
        yield name


async def test_a_server_presenting_another_host_key_is_refused_until_its_key_is_forgotten(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    repo = bd.make_repo(tmp_path / "work", {"Dockerfile": DOCKERFILE, "page.txt": "genuine"})
    gs.bare_copy(repo, tmp_path / "served" / "app.git")
    private_key, public_key = gs.new_deploy_key(tmp_path)
    genuine, genuine_print = gs.new_host_key(tmp_path / "genuine")
    impostor, impostor_print = gs.new_host_key(tmp_path / "impostor")
    secret = new_key()
    box = SecretBox(secret)
    port = free_port()
    host = f"[127.0.0.1]:{port}"
    url = f"ssh://root@127.0.0.1:{port}/srv/git/app.git"
    spec = bd.sealed_git_spec(box, url, ssh_key=private_key)
    served = tmp_path / "served"

    async with (
        bd.builds_controller(instance, database_url, tmp_path, secret_key=secret),
        serving(api_settings(database_url, secret_key=secret)) as api,
    ):
        admin = await log_in(api)
        assert (await admin.get("/ssh-hosts")).json() == {"items": []}
        with gs.ssh_git_server(instance, served, public_key, genuine, port):
            await bd.build_in_new_service(store, spec, "SUCCEEDED")
        [pinned] = (await admin.get("/ssh-hosts")).json()["items"]
        assert (pinned["host"], pinned["key_type"]) == (host, "ssh-ed25519")
        assert pinned["fingerprint"] == genuine_print
        assert pinned["first_seen_for"] == url.replace("root@", "***@")  # userinfo never shown

        with gs.ssh_git_server(instance, served, public_key, impostor, port):
            refused = await bd.build_in_new_service(store, spec, "FAILED")
            condition = refused.status.condition("Succeeded")
            assert condition is not None and condition.reason == "HostKeyChanged", condition
            assert genuine_print in condition.message and impostor_print in condition.message
            assert "forget" in condition.message

            forgotten = await admin.delete(f"/ssh-hosts/{quote(host, safe='')}")
            assert forgotten.status_code == 204, forgotten.text
            await bd.build_in_new_service(store, spec, "SUCCEEDED")
        [repinned] = (await admin.get("/ssh-hosts")).json()["items"]
        assert repinned["fingerprint"] == impostor_print

        unknown = await admin.delete("/ssh-hosts/nowhere.example.com")
        assert unknown.status_code == 404 and "nowhere.example.com" in unknown.text
        await admin.aclose()
