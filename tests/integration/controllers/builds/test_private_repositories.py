"""Private repositories: a token over HTTP(S) and a deploy key over SSH open them; a wrong
token fails the clone with a reason that never shows the token. Credentials are stored sealed,
as the API stores them, and only the builds controller opens them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import builds as bd
from tests.support import git_servers as gs
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import SecretBox, new_key

DOCKERFILE = "FROM zaneops/busybox:latest\nCOPY page.txt /page.txt\n"
TOKEN = "s3cret-token-for-the-test"


async def test_a_token_opens_a_private_repository_over_https_and_a_wrong_one_fails_unshown(
    store: PostgresStore,
    database_url: str,
    instance: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = bd.make_repo(tmp_path / "work", {"Dockerfile": DOCKERFILE, "page.txt": "by token"})
    gs.bare_copy(repo, tmp_path / "served" / "app.git")
    key = new_key()
    box = SecretBox(key)
    with gs.https_git_server(tmp_path / "served", "deployer", TOKEN) as (base, cert):
        monkeypatch.setenv("GIT_SSL_CAINFO", str(cert))  # the test server's own certificate
        url = f"{base}/app.git"
        async with bd.builds_controller(instance, database_url, tmp_path, secret_key=key):
            built = await bd.build_in_new_service(
                store, bd.sealed_git_spec(box, url, token=TOKEN, username="deployer"), "SUCCEEDED"
            )
            wrong = bd.sealed_git_spec(box, url, token="wrong-" + TOKEN, username="deployer")
            refused = await bd.build_in_new_service(store, wrong, "FAILED")
    assert bd.file_in_image(instance, str(built.status.details["image"]), "/page.txt") == "by token"
    condition = refused.status.condition("Succeeded")
    assert condition is not None and condition.reason == "CloneFailed"
    assert "git" in condition.message and TOKEN not in condition.message


async def test_a_deploy_key_opens_a_private_repository_over_ssh(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    repo = bd.make_repo(tmp_path / "work", {"Dockerfile": DOCKERFILE, "page.txt": "by key"})
    gs.bare_copy(repo, tmp_path / "served" / "app.git")
    private_key, public_key = gs.new_deploy_key(tmp_path)
    key = new_key()
    box = SecretBox(key)
    with gs.ssh_git_server(instance, tmp_path / "served", public_key) as base:
        url = f"{base}/srv/git/app.git"
        async with bd.builds_controller(instance, database_url, tmp_path, secret_key=key):
            spec = bd.sealed_git_spec(box, url, ssh_key=private_key)
            built = await bd.build_in_new_service(store, spec, "SUCCEEDED")
            (tmp_path / "other").mkdir()
            other_key, _ = gs.new_deploy_key(tmp_path / "other")  # not authorized
            unauthorized = bd.sealed_git_spec(box, url, ssh_key=other_key)
            refused = await bd.build_in_new_service(store, unauthorized, "FAILED")
    assert bd.file_in_image(instance, str(built.status.details["image"]), "/page.txt") == "by key"
    condition = refused.status.condition("Succeeded")
    assert condition is not None and condition.reason == "CloneFailed"
    assert "Permission denied" in condition.message
    assert "PRIVATE KEY" not in condition.message
