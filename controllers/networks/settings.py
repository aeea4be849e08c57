"""Knobs of the networks controller (ZANE_NETWORKS_* environment variables), with defaults."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class NetworksSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_NETWORKS_")
    read_by: ClassVar[str] = "the networks controller (controllers/networks)"

    proxy_service: str = Field(
        default="",
        max_length=200,
        description="The swarm service of the proxy, attached to every environment's network. "
        "Empty: the platform stack's own (<instance>_proxy).",
    )
    subnet_pool: str = Field(
        default="10.128.0.0/12",
        description="Where environments' networks get their subnets (an IPv4 CIDR no other "
        "network of the engine uses; Swarm's own default pool is 10.0.0.0/8 in /24s from "
        "the bottom).",
    )
    subnet_prefix: int = Field(
        default=22,
        ge=16,
        le=28,
        description="Each environment's subnet size: Swarm allocates its tasks from the lower "
        "half (a /22: 510 addresses), the proxy sits at the top.",
    )
    observe_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often an environment's attachments are checked again (Docker "
        "events about the proxy and the anchor wake it sooner).",
    )
    in_use_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="While a deleted environment's network is still used by its services' "
        "tasks, how often to try removing it again.",
    )

    @field_validator("subnet_pool")
    @classmethod
    def _an_ipv4_network(cls, value: str) -> str:
        return str(IPv4Network(value))  # ValueError: "... does not appear to be an IPv4 network"
