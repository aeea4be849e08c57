"""The docker-py internals the Swarm adapter uses are still there and still behave so."""

from __future__ import annotations

import pytest
import requests
from docker.api.client import APIClient
from docker.errors import NotFound

from zaneops.adapters.docker import dockerpy_private


def offline_client() -> APIClient:
    """A client that never connects: a version given up front skips the negotiation."""
    return APIClient(base_url="unix:///nonexistent/docker.sock", version="1.41")


def test_every_private_member_the_adapter_uses_exists() -> None:
    """A docker-py upgrade that renames one fails here, not mid-rollout."""
    missing = [name for name in dockerpy_private.USED if not hasattr(APIClient, name)]
    assert missing == []


def test_the_logs_url_quotes_the_service_name_into_the_versioned_path() -> None:
    """`_url` fills the path the way the Engine API wants it."""
    url = offline_client()._url("/services/{0}/logs", "web app")
    assert url.endswith("/v1.41/services/web%20app/logs")


def test_an_error_status_becomes_docker_pys_own_exception() -> None:
    """`_raise_for_status` turns a 404 into docker.errors.NotFound, which callers catch."""
    response = requests.Response()
    response.status_code = 404
    response.url = "http+docker://localhost/v1.41/services/nope/logs"
    response._content = b'{"message": "service nope not found"}'
    with pytest.raises(NotFound):
        offline_client()._raise_for_status(response)
