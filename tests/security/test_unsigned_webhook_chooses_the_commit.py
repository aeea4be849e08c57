"""Issue 15, item 8: an unsigned webhook body cannot choose what is built.

The attack: anyone who has the webhook's URL POSTs `{"commit": "<sha>"}` with no signature,
and that commit (any commit the repository has, on any branch) is built with the service's
secrets. Unsigned calls are refused unless the webhook is token-only (which never takes a
commit from the body), and a pinned commit is built only if it is on the service's branch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.api.helpers import GIT_SERVICE, body, service
from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.api import RunningApi
from zaneops.adapters.postgres.store import PostgresStore

DOCKERFILE = "FROM zaneops/busybox:latest\nCOPY page.txt /page.txt\n"


async def test_an_unsigned_body_naming_a_commit_deploys_nothing(
    api: RunningApi, admin: httpx.AsyncClient
) -> None:
    """Before: 201, a webhook deployment pinning the body's commit. Now: 403, nothing made."""
    app = await service(admin, GIT_SERVICE)
    webhook = body(await admin.post(f"/services/{app['id']}/webhook"), 201)
    raw = json.dumps({"commit": "1" * 40}).encode()
    async with httpx.AsyncClient(base_url=api.base_url) as attacker:
        answer = await attacker.post(webhook["path"], content=raw)
    assert answer.status_code == 403 and answer.json()["code"] == "unsigned"
    listed = body(await admin.get(f"/services/{app['id']}/deployments"), 200)
    assert listed["items"] == []


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with sw.cleaned_up(name):
        try:
            yield name
        finally:
            bd.remove_images(name)


async def test_a_commit_of_another_branch_is_never_built(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """A build pinning a commit that only branch `evil` holds fails CommitNotOnBranch; one
    pinning an older commit of main builds."""
    repo = bd.make_repo(tmp_path / "repo", {"Dockerfile": DOCKERFILE, "page.txt": "main"})
    older = bd.git(repo, "rev-parse", "HEAD")
    bd.commit(repo, {"page.txt": "main, later"})
    bd.git(repo, "checkout", "-q", "-b", "evil")
    evil = bd.commit(repo, {"page.txt": "evil"})
    bd.git(repo, "checkout", "-q", "main")
    environment = await sw.make_environment(store)
    async with bd.builds_controller(instance, database_url, tmp_path):
        spec = bd.git_spec(repo, branch="main", commit=evil)
        target = await sw.make_service(store, environment.id, spec)
        _, build = await bd.deploy_git(store, target.id, spec)
        failed = await bd.wait_for_build(store, build.id, "FAILED")
        fine_spec = bd.git_spec(repo, slug="fine", branch="main", commit=older)
        fine = await sw.make_service(store, environment.id, fine_spec)
        _, good = await bd.deploy_git(store, fine.id, fine_spec)
        await bd.wait_for_build(store, good.id, "SUCCEEDED")
    outcome = failed.status.condition("Succeeded")
    assert outcome is not None and outcome.reason == "CommitNotOnBranch", outcome
    assert not bd.images_of(instance) or all(
        evil[:12] not in tag for image in bd.images_of(instance) for tag in image["RepoTags"] or []
    )
