"""A free TCP port on loopback, for a server a test starts (a race with another process taking
it in between is possible, and has not been seen here)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
