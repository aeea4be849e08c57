"""Subnets for environments' networks, and the proxy's fixed address outside Swarm's range."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest

from controllers.networks.addresses import (
    PoolExhausted,
    choose_subnet,
    proxy_address,
    swarm_range,
)


def test_the_first_subnet_of_the_pool_that_overlaps_nothing_is_chosen() -> None:
    used = ["10.128.0.0/23", "172.17.0.0/16", "not a subnet", "fd00::/64"]
    assert choose_subnet("10.128.0.0/12", 22, used) == IPv4Network("10.128.4.0/22")


def test_a_wider_network_covering_the_pool_leaves_nothing() -> None:
    with pytest.raises(PoolExhausted, match="ZANE_NETWORKS_SUBNET_POOL"):
        choose_subnet("10.128.0.0/20", 22, ["10.0.0.0/8"])


def test_swarm_allocates_from_the_lower_half_and_the_proxy_sits_at_the_top() -> None:
    subnet = IPv4Network("10.128.4.0/22")
    assert swarm_range(subnet) == IPv4Network("10.128.4.0/23")
    assert proxy_address(subnet) == IPv4Address("10.128.7.254")
    assert proxy_address(subnet, 1) == IPv4Address("10.128.7.253")
    assert proxy_address(subnet) not in swarm_range(subnet)


def test_no_proxy_address_is_handed_out_inside_swarms_range() -> None:
    small = IPv4Network("10.128.0.0/28")  # .0-.7 Swarm's, .8-.14 usable above it
    assert proxy_address(small, 6) == IPv4Address("10.128.0.8")
    with pytest.raises(ValueError, match="no room"):
        proxy_address(small, 7)
