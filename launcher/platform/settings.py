"""Settings of one installation on Swarm (`zaneops up`), from ZANE_PLATFORM_* or CLI options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings

ImageSource = Literal["auto", "local", "upstream"]


class PlatformSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_PLATFORM_")
    read_by: ClassVar[str] = "zaneops up / down / status / logs (launcher/platform)"

    http_port: int = Field(
        default=80, ge=1, le=65535, description="Host port of the proxy's HTTP (host mode)."
    )
    https_port: int = Field(
        default=443, ge=1, le=65535, description="Host port of the proxy's HTTPS (host mode)."
    )
    dashboard_port: int = Field(
        default=8000, ge=1, le=65535, description="Host port of the API and dashboard."
    )
    dashboard_domain: str = Field(
        default="", description="A domain the proxy serves the dashboard on; empty: none."
    )
    https: bool = Field(
        default=True, description="Serve users' domains over HTTPS (off: plain HTTP only)."
    )
    run_dir: str = Field(
        default="",
        description="Host folder of Caddy's admin socket and access log, mounted only into the "
        "proxy and the routes controller. Empty: /run/zane (instance zaneops) or "
        "/run/zane-<instance>.",
    )
    data_dir: str = Field(
        default="/var/lib/zaneops",
        description="Host folder of the installation: host-path volumes (volumes/), build "
        "checkouts (builds/) and the rendered stack file (<instance>/stack.yml).",
    )
    images: ImageSource = Field(
        default="auto",
        description="local: build every image FROM the local Debian base (no registry); "
        "upstream: FROM python/postgres/redis/caddy official images; auto: upstream when the "
        "engine can reach the registry.",
    )
    controller_replicas: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Replicas of each controller where that is safe (the lease elects the one "
        "that acts; the others take over within a lease TTL). Default: 1 on a one-node swarm "
        "(a second replica there protects against nothing a restart does not), 2 on different "
        "nodes once the swarm has several.",
    )
    image_marker: str = Field(
        default="",
        description="Extra text baked into the app image: a different value builds a new image "
        "(rolls the platform without a code change).",
    )
    wait_seconds: float = Field(
        default=300.0, gt=0, description="How long `zaneops up` waits for every component."
    )


@dataclass(frozen=True)
class Platform:
    """One installation on Swarm: its name (ZANE_INSTANCE) and its platform settings, with
    the host folders derived from them."""

    instance: str
    settings: PlatformSettings

    @property
    def run_dir(self) -> Path:
        if self.settings.run_dir:
            return Path(self.settings.run_dir)
        suffix = "" if self.instance == "zaneops" else f"-{self.instance}"
        return Path(f"/run/zane{suffix}")

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    @property
    def volumes_root(self) -> Path:
        return self.data_dir / "volumes"

    @property
    def builds_workdir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def backups_root(self) -> Path:
        return self.data_dir / "backups"

    @property
    def stack_file(self) -> Path:
        return self.data_dir / self.instance / "stack.yml"
