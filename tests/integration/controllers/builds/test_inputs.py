"""What a Git source says reaches the build: a commit, a context folder, build args, a target."""

from __future__ import annotations

from pathlib import Path

from tests.support import builds as bd
from tests.support import swarm as sw
from zaneops.adapters.postgres.store import PostgresStore

TWO_STAGES = """FROM zaneops/busybox:latest AS base
ARG FLAVOUR=plain
COPY page.txt /page.txt
RUN echo "$FLAVOUR" > /flavour
FROM base AS final
RUN echo final > /stage
FROM base AS debug
RUN echo debug > /stage
"""


async def test_a_pinned_commit_a_context_folder_build_args_and_a_target_are_honoured(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """The older commit is built from app/ with FLAVOUR=spicy, stopping at stage 'debug'."""
    repo = bd.make_repo(tmp_path / "repo", {"README": "x"})
    (repo / "app").mkdir()
    pinned = bd.commit(repo, {"app/Dockerfile": TWO_STAGES, "app/page.txt": "pinned"})
    bd.commit(repo, {"app/page.txt": "newer"})
    source = {
        "commit": pinned,
        "context": "app",
        "dockerfile_path": "app/Dockerfile",
        "build_args": {"FLAVOUR": "spicy"},
        "target": "debug",
    }
    spec = bd.git_spec(repo, **source)
    environment = await sw.make_environment(store)
    service = await sw.make_service(store, environment.id, spec)
    async with bd.builds_controller(instance, database_url, tmp_path):
        _, build = await bd.deploy_git(store, service.id, spec)
        row = await bd.wait_for_build(store, build.id, "SUCCEEDED")
    image = str(row.status.details["image"])
    assert row.status.details["commit_sha"] == pinned
    assert image.split(":")[1].startswith(pinned[:12])
    assert bd.file_in_image(instance, image, "/page.txt") == "pinned"
    assert bd.file_in_image(instance, image, "/flavour") == "spicy"
    assert bd.file_in_image(instance, image, "/stage") == "debug"
