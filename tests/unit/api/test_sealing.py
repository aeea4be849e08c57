"""A stored secret follows its host: never sent to one it was not saved for."""

from __future__ import annotations

import pytest

from api.errors import ApiError
from api.sealing import credential_host, seal_service_spec
from zaneops.common.secrets import MASK, SecretBox, new_key

BOX = SecretBox(new_key())


def git(url: str, token: str) -> dict[str, object]:
    credentials = {"username": "u", "token": token}
    return {
        "slug": "web",
        "source": {"type": "git", "repository_url": url, "credentials": credentials},
    }


def test_the_host_a_credential_goes_to() -> None:
    """Git over https or ssh, scp-like URLs, and an image's registry (docker.io by default)."""
    assert credential_host(git("https://Git.Example.com/a/b.git", "t")) == "git.example.com"
    ssh = {"source": {"type": "git", "repository_url": "git@gitlab.com:a/b.git"}}
    assert credential_host(ssh) == "gitlab.com"
    image = {"source": {"type": "image", "image": "ghcr.io/acme/app:1"}}
    assert credential_host(image) == "ghcr.io"
    assert credential_host({"source": {"type": "image", "image": "nginx:1"}}) == "docker.io"


def test_a_kept_token_may_not_follow_the_url_to_another_host() -> None:
    """Saved for git.example.com; the URL moves to evil.example, the token left masked: 422
    on the token's field. Re-entered, it is stored for the new host."""
    stored = seal_service_spec(git("https://git.example.com/a.git", "secret"), None, BOX)
    moved = git("https://evil.example/a.git", MASK)
    with pytest.raises(ApiError) as refused:
        seal_service_spec(moved, stored, BOX)
    assert refused.value.status == 422
    assert refused.value.errors[0].field == "source.credentials.token"
    again = seal_service_spec(git("https://evil.example/a.git", "new"), stored, BOX)
    assert BOX.open(again["source"]["credentials"]["token"]) == "new"
    same_host = seal_service_spec(git("https://git.example.com/b.git", MASK), stored, BOX)
    assert same_host["source"]["credentials"]["token"] == stored["source"]["credentials"]["token"]
