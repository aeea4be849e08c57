"""Where an environment's network lives in the address space, and where the proxy sits in it.

Swarm allocates its tasks' addresses from the network's ip-range (the lower half of its
subnet). The proxy's container is attached by hand, so Swarm never hears of its address:
it gets a fixed one from the upper half, which Swarm never hands out. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, ip_network


class PoolExhausted(Exception):
    """Every subnet of the pool overlaps a network that exists already."""


def choose_subnet(pool: str, prefix: int, used: Iterable[str]) -> IPv4Network:
    """The first subnet of that size in the pool that overlaps no existing network."""
    taken = [net for net in (_parsed(text) for text in used) if net is not None]
    for candidate in IPv4Network(pool).subnets(new_prefix=prefix):
        if not any(candidate.overlaps(net) for net in taken):
            return candidate
    raise PoolExhausted(
        f"no /{prefix} subnet of {pool} is free: remove unused networks or widen "
        "ZANE_NETWORKS_SUBNET_POOL"
    )


def swarm_range(subnet: IPv4Network) -> IPv4Network:
    """The lower half: Swarm's to allocate."""
    lower, _ = subnet.subnets(prefixlen_diff=1)
    return lower


def proxy_address(subnet: IPv4Network, index: int = 0) -> IPv4Address:
    """The index-th proxy container's fixed address: counted down from the last usable one."""
    last_usable = subnet.broadcast_address - 1
    address = last_usable - index
    if address in swarm_range(subnet):
        raise ValueError(f"{subnet} has no room for proxy number {index}")
    return address


def _parsed(text: str) -> IPv4Network | None:
    try:
        network = ip_network(text, strict=False)
    except ValueError:
        return None
    return network if isinstance(network, IPv4Network) else None
