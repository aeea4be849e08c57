"""The few docker-py internals the Swarm adapter relies on, in one place (`api` is a
docker.APIClient; typed Any because these members are not in its stubs).

docker-py's public log helpers merge stdout and stderr and hide the socket, so following a
service's logs reads the multiplexed frames itself through these. They are private API: a
docker-py upgrade that moves them fails tests/unit/zaneops/adapters/docker/ at once.
"""

from __future__ import annotations

from typing import Any

USED = (
    "_get",
    "_url",
    "_raise_for_status",
    "_get_raw_response_socket",
    "_disable_socket_timeout",
)


def get_stream(api: Any, path: str, *args: str, params: dict[str, Any]) -> Any:
    """GET path (a format string filled with args, each quoted) as a streamed response;
    an error status raises docker-py's own APIError."""
    response = api._get(api._url(path, *args), params=params, stream=True)
    api._raise_for_status(response)
    return response


def raw_socket(api: Any, response: Any) -> Any:
    """The socket under a streamed response (shut it down to end a blocked read)."""
    return api._get_raw_response_socket(response)


def disable_timeout(api: Any, sock: Any) -> None:
    """No read timeout on this socket: a followed stream may stay quiet for hours."""
    api._disable_socket_timeout(sock)
