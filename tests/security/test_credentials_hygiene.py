"""Issue 15, item 10: credentials kept at today's strength, seen, ended, and kept to their host.

The attacks: an old, fast password hash cracked from a database dump; a stolen session nobody
can see or end; an API token that works forever; a Git token sent over plain HTTP, or to a new
host after someone edits the repository's URL; a build reading the controller's own disk
through a file:// source.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.integration.api.helpers import body, environment
from tests.support import builds as bd
from tests.support import swarm as sw
from tests.support.api import ADMIN_PASSWORD, RunningApi, log_in
from zaneops.adapters.postgres.store import PostgresStore
from zaneops.common.secrets import MASK


def legacy_scrypt(password: str) -> str:
    """A hash as 0.1.0 stored it (scrypt, N=2^14)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    return f"scrypt$16384$8$1${b64(salt)}${b64(digest)}"


def stored_hash(database_url: str, username: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT password_hash FROM zane_users WHERE username = %s", (username,)
        ).fetchone()
    assert row is not None
    return str(row[0])


async def test_an_old_scrypt_hash_is_replaced_by_argon2id_at_login(
    api: RunningApi, database_url: str
) -> None:
    """The admin's hash set to 0.1.0's scrypt: the login still works, and leaves argon2id."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE zane_users SET password_hash = %s WHERE username = 'admin'",
            (legacy_scrypt(ADMIN_PASSWORD),),
        )
    client = await log_in(api)
    await client.aclose()
    assert stored_hash(database_url, "admin").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_a_stolen_session_is_listed_and_ended_and_a_new_password_ends_all_others(
    api: RunningApi,
) -> None:
    """Two sessions (the user's, a thief's): both listed with their client; the thief's is
    ended by id; a password change then ends every other session too."""
    mine, thief = await log_in(api), await log_in(api)
    try:
        listed = body(await mine.get("/auth/sessions"), 200)
        assert len(listed) >= 2 and sum(s["current"] for s in listed) == 1
        theirs = next(s for s in listed if not s["current"])
        assert theirs["client"] == "127.0.0.1"
        assert (await mine.delete(f"/auth/sessions/{theirs['id']}")).status_code == 204
        assert (await thief.get("/auth/me")).status_code == 401
        other = await log_in(api)
        change = {"current_password": ADMIN_PASSWORD, "new_password": "a much longer passphrase"}
        assert (await mine.post("/auth/password", json=change)).status_code == 204
        assert (await other.get("/auth/me")).status_code == 401
        assert (await mine.get("/auth/me")).status_code == 200
        wrong = {"current_password": "guess", "new_password": "another long passphrase"}
        assert body(await mine.post("/auth/password", json=wrong), 403)["code"] == "wrong_password"
        await other.aclose()
    finally:
        await mine.aclose()
        await thief.aclose()


async def test_an_expired_api_token_is_refused(
    api: RunningApi, admin: httpx.AsyncClient, database_url: str
) -> None:
    """A token made to last a day works; once its expiry has passed, 401 like a revoked one."""
    made = body(await admin.post("/auth/tokens", json={"name": "ci", "expires_in_days": 1}), 201)
    assert made["expires_at"] is not None
    bearer = {"Authorization": f"Bearer {made['token']}"}
    async with api.client(headers=bearer) as client:
        assert (await client.get("/auth/me")).status_code == 200
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE zane_api_tokens SET expires_at = now() - interval '1 second' WHERE id = %s",
                (made["id"],),
            )
        assert (await client.get("/auth/me")).status_code == 401


async def test_a_git_token_goes_only_over_https_and_only_to_its_own_host(
    admin: httpx.AsyncClient,
) -> None:
    """A token with an http:// URL: 422. Saved for git.example.com, then the URL moved to
    another host with the token left as is (masked): 422 on the token, nothing changed."""
    env_id = await environment(admin)

    def spec(url: str, token: str) -> dict[str, object]:
        credentials = {"username": "u", "token": token}
        return {
            "slug": "app",
            "source": {"type": "git", "repository_url": url, "credentials": credentials},
        }

    plain = await admin.post(
        f"/environments/{env_id}/services", json=spec("http://git.example.com/a.git", "t0k")
    )
    assert plain.status_code == 422
    made = body(
        await admin.post(
            f"/environments/{env_id}/services", json=spec("https://git.example.com/a.git", "t0k")
        ),
        201,
    )
    moved = await admin.put(
        f"/services/{made['id']}",
        json=spec("https://evil.example/a.git", MASK),
        headers={"If-Match": f'"{made["generation"]}"'},
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["field"] == "source.credentials.token"


@pytest.fixture
def instance() -> Iterator[str]:
    name = sw.new_instance()
    with sw.cleaned_up(name):
        yield name


async def test_a_local_source_is_refused_unless_a_folder_is_allowed(
    store: PostgresStore, database_url: str, instance: str, tmp_path: Path
) -> None:
    """A source naming a folder of the build server's own disk (here a repository in /tmp):
    with no allowed folder it fails LocalSourceRefused, nothing cloned."""
    repo = bd.make_repo(tmp_path / f"repo-{uuid.uuid4().hex[:6]}", {"Dockerfile": "FROM x\n"})
    spec = bd.git_spec(repo)
    environment_row = await sw.make_environment(store)
    service = await sw.make_service(store, environment_row.id, spec)
    async with bd.builds_controller(instance, database_url, tmp_path, local_sources_root=""):
        _, build = await bd.deploy_git(store, service.id, spec)
        failed = await bd.wait_for_build(store, build.id, "FAILED")
    outcome = failed.status.condition("Succeeded")
    assert outcome is not None and outcome.reason == "LocalSourceRefused"
