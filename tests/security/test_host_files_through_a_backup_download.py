"""The API mounts the backups folder to serve verified backups' files, by the path the backups
controller recorded in the row's status. The attack: a status naming a file outside the folder
(`..`, an absolute path such as the API's secrets, or a link planted in the folder leading out),
written by anyone who can write a backup's status, so that a download hands out files of the
API's container. Every such path is refused (409) and its bytes never read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.integration.api.helpers import body, environment
from tests.support.api import RunningApi, api_settings, serving
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.specs import Status
from zaneops.specs.kinds import Kind

SECRET = b"not a backup"


@pytest.fixture
def backups_root(tmp_path: Path) -> Path:
    return tmp_path / "backups"


@pytest.fixture
async def api(database_url: str, backups_root: Path) -> AsyncIterator[RunningApi]:
    async with serving(api_settings(database_url, backups_root=backups_root)) as running:
        yield running


async def test_a_recorded_path_outside_the_backups_folder_is_never_served(
    admin: httpx.AsyncClient, store: PostgresStore, backups_root: Path, tmp_path: Path
) -> None:
    """`..`, an absolute path and a link leading out of the folder: refused, bytes unread."""
    env_id = await environment(admin)
    made = await admin.post(
        f"/environments/{env_id}/databases", json={"slug": "db", "engine": "postgres"}
    )
    db = body(made, 201)["service"]
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    backups_root.mkdir(parents=True)
    (backups_root / "link.pgdump").symlink_to(secret)
    for path in ["../secret.txt", str(secret), "link.pgdump", "a/../../secret.txt"]:
        backup = body(await admin.post(f"/services/{db['id']}/backups"), 201)
        details = {"phase": "VERIFIED", "file": path, "size_bytes": len(SECRET), "sha256": "0"}
        await store.write_status(Kind.BACKUPS, uuid.UUID(backup["id"]), Status(details=details))
        answer = await admin.get(f"/backups/{backup['id']}/file")
        assert answer.status_code == 409, path
        assert answer.json()["code"] == "not_in_backups_folder"
        assert SECRET not in answer.content
