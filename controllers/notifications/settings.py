"""Knobs of the notifications controller (ZANE_NOTIFICATIONS_* environment variables)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings


class NotificationsSettings(ZaneSettings):
    model_config = SettingsConfigDict(env_prefix="ZANE_NOTIFICATIONS_")
    read_by: ClassVar[str] = "the notifications controller (controllers/notifications)"

    dashboard_url: str = Field(
        default="",
        description="The dashboard's address as people open it (e.g. https://zane.example.com): "
        "messages link there. Empty: messages carry no link. `zaneops up` sets it from the "
        "dashboard's domain.",
    )
    max_attempts: int = Field(
        default=5, ge=1, le=20, description="A message refused this many times is FAILED."
    )
    first_retry_seconds: float = Field(
        default=10.0,
        gt=0,
        description="The wait after a first refusal; each next one is 3 times longer.",
    )
    longest_retry_seconds: float = Field(
        default=900.0, gt=0, description="No wait between attempts is longer than this."
    )
    per_channel_per_minute: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Messages sent to one channel in a minute at most; more wait their turn.",
    )
    group_minutes: float = Field(
        default=30.0,
        ge=0,
        description="A service that goes down again within this long after its last message "
        "is counted in that message, not told again (a crash loop is one message).",
    )
    kept_per_channel: int = Field(
        default=500, ge=10, le=100_000, description="Messages kept in a channel's delivery log."
    )
    look_back_minutes: float = Field(
        default=60.0,
        ge=0,
        description="At start, what changed this long ago is looked at (events while the "
        "controller was down are sent late, not lost; none is sent twice).",
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="How long a receiver may take to answer."
    )
    backup_check_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often scheduled databases are checked for late backups (no verified "
        "one in twice the schedule's interval).",
    )
    allow_local_addresses: bool = Field(
        default=False,
        description="Send to loopback and link-local addresses too (this machine, a cloud's "
        "metadata service): refused by default; private networks are allowed.",
    )
    metrics_url: str = Field(
        default="",
        description="Prometheus's address, where metric alerts are checked; empty: no metric "
        "alerts. `zaneops up` sets it.",
    )
    alert_check_seconds: float = Field(
        default=60.0, gt=0, description="How often services' metric alerts are checked."
    )
    server_check_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often the servers are checked (down, a disk above its threshold).",
    )
    disk_full_percent: float = Field(
        default=90.0,
        gt=0,
        le=100,
        description="A server's disk above this share full is told (and again when 5 points "
        "under).",
    )
    server_down_seconds: float = Field(
        default=90.0,
        ge=5,
        description="A server whose exporter has not answered this long is down (shorter: an "
        "exporter's redeploy would read as a server down).",
    )
