"""Knobs of the networks controller (ZANE_NETWORKS_* environment variables), with defaults."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
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
