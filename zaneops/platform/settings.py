"""Settings of one installation on Swarm (`zaneops up`), from ZANE_* variables or CLI options."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from zaneops.settings import DatabaseSettings

ImageSource = Literal["auto", "local", "upstream"]


class PlatformSettings(DatabaseSettings):
    """Ports and host folders are per installation, so a second one can run next to the first."""

    platform_http_port: int = Field(
        default=80, ge=1, le=65535, description="Host port of the proxy's HTTP (host mode)."
    )
    platform_https_port: int = Field(
        default=443, ge=1, le=65535, description="Host port of the proxy's HTTPS (host mode)."
    )
    platform_dashboard_port: int = Field(
        default=8000, ge=1, le=65535, description="Host port of the API and dashboard."
    )
    platform_dashboard_domain: str = Field(
        default="", description="A domain the proxy serves the dashboard on; empty: none."
    )
    platform_https: bool = Field(
        default=True, description="Serve users' domains over HTTPS (off: plain HTTP only)."
    )
    platform_run_dir: str = Field(
        default="",
        description="Host folder of Caddy's admin socket and access log, mounted only into the "
        "proxy and the routes controller. Empty: /run/zane (instance zaneops) or "
        "/run/zane-<instance>.",
    )
    platform_data_dir: str = Field(
        default="/var/lib/zaneops",
        description="Host folder of the installation: host-path volumes (volumes/), build "
        "checkouts (builds/) and the rendered stack file (<instance>/stack.yml).",
    )
    platform_images: ImageSource = Field(
        default="auto",
        description="local: build every image FROM the local Debian base (no registry); "
        "upstream: FROM python/postgres/redis/caddy official images; auto: upstream when the "
        "engine can reach the registry.",
    )
    platform_controller_replicas: int = Field(
        default=2,
        ge=1,
        le=5,
        description="Replicas of each controller where that is safe (the lease elects the one "
        "that acts; the others take over within a lease TTL).",
    )
    platform_image_marker: str = Field(
        default="",
        description="Extra text baked into the app image: a different value builds a new image "
        "(rolls the platform without a code change).",
    )
    platform_wait_seconds: float = Field(
        default=300.0, gt=0, description="How long `zaneops up` waits for every component."
    )

    @property
    def run_dir(self) -> Path:
        if self.platform_run_dir:
            return Path(self.platform_run_dir)
        suffix = "" if self.instance == "zaneops" else f"-{self.instance}"
        return Path(f"/run/zane{suffix}")

    @property
    def data_dir(self) -> Path:
        return Path(self.platform_data_dir)

    @property
    def volumes_root(self) -> Path:
        return self.data_dir / "volumes"

    @property
    def builds_workdir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def stack_file(self) -> Path:
        return self.data_dir / self.instance / "stack.yml"
