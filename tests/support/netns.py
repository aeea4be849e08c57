"""A second client on this machine: a network namespace joined to the host by a veth pair.

Requests from the host to a host-mode published port reach a container from the Docker
bridge's gateway (Docker rewrites their source), so every host process looks alike to the
proxy. A namespace's requests keep their own source address: the client a proxy's network
rules can tell apart. Made by the test and removed after it; nothing leaves the machine.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Namespace:
    name: str
    host_address: str  # the host's end of the veth: where the namespace's requests go
    address: str  # the namespace's own address, as the proxy sees it

    def get(self, port: int, host: str, path: str = "/") -> tuple[int, str]:
        """(status, body) of GET http://<host end>:port/path with Host: host, from inside."""
        answer = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                self.name,
                "curl",
                "-s",
                "-m",
                "10",
                "-H",
                f"Host: {host}",
                "-w",
                "\n%{http_code}",
                f"http://{self.host_address}:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        body, _, status = answer.stdout.rpartition("\n")
        return int(status or 0), body


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextmanager
def client_namespace(subnet_octet: int = 231) -> Iterator[Namespace]:
    """A namespace at 10.<octet>.0.2 reaching the host at 10.<octet>.0.1 (a /30 of its own)."""
    tag = uuid.uuid4().hex[:6]
    name, host_end, ns_end = f"zt-{tag}", f"zth-{tag}", f"ztn-{tag}"
    host_address, address = f"10.{subnet_octet}.0.1", f"10.{subnet_octet}.0.2"
    _ip("netns", "add", name)
    try:
        _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
        _ip("link", "set", ns_end, "netns", name)
        _ip("addr", "add", f"{host_address}/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("-n", name, "addr", "add", f"{address}/30", "dev", ns_end)
        _ip("-n", name, "link", "set", ns_end, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield Namespace(name, host_address, address)
    finally:
        subprocess.run(["ip", "link", "del", host_end], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
