"""Settings of the routes controller and the proxy it drives, from ZANE_ROUTES_* variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zaneops.common.settings import ZaneSettings

DEFAULT_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".test", ".lan", ".home.arpa")


class RoutesSettings(ZaneSettings):
    """Where Caddy's admin socket is, how HTTPS is done, and the dashboard's own route."""

    model_config = SettingsConfigDict(env_prefix="ZANE_ROUTES_")
    read_by: ClassVar[str] = "the routes controller (controllers/routes)"

    admin_socket: str = Field(
        default="/run/zane/caddy-admin.sock",
        description="Caddy's admin API, a unix socket in a host folder shared only by the proxy "
        "and this controller; never a network port.",
    )
    proxy_access_log: str = Field(
        default="/run/zane/access.log",
        description="Where Caddy writes JSON access logs, as a path inside the proxy container.",
    )
    access_log: str = Field(
        default="/run/zane/access.log",
        description="The same file as seen by this controller; tailed into Redis streams. "
        "Empty: access logs are not forwarded.",
    )
    proxy_tls_log: str = Field(
        default="/run/zane/tls.log",
        description="Where Caddy writes its certificate management (issuance, renewal) as JSON "
        "lines, as a path inside the proxy container.",
    )
    tls_log: str = Field(
        default="/run/zane/tls.log",
        description="The same file as seen by this controller; a certificate that cannot be "
        "issued becomes its domains' Certificate condition. Empty: not read.",
    )
    https: bool = Field(
        default=True,
        description="Serve every domain over HTTPS (internal CA for local names, on-demand "
        "ACME for public ones) and redirect HTTP to it. Off: plain HTTP only.",
    )
    public_https_port: int = Field(
        default=443, ge=1, le=65535, description="The port HTTP visitors are redirected to."
    )
    ask_url: str = Field(
        default="",
        description="URL Caddy asks before getting an on-demand certificate (this controller's "
        "ask endpoint, as the proxy reaches it). Empty: no on-demand ACME for public names.",
    )
    ask_host: str = Field(default="0.0.0.0", description="Bind address of the ask endpoint.")
    ask_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the ask endpoint; 0 disables it."
    )
    acme_email: str = Field(default="", description="Contact for the ACME account; optional.")
    acme_ca: str = Field(
        default="",
        description="The ACME directory URL certificates of public names are asked from. "
        "Empty: Caddy's default (Let's Encrypt).",
    )
    internal_suffixes: list[str] = Field(
        default=list(DEFAULT_INTERNAL_SUFFIXES),
        description="Names ending so (and 'localhost') get certificates from Caddy's own CA.",
    )
    dashboard_domain: str = Field(
        default="", description="The dashboard's own domain; empty: no dashboard route."
    )
    dashboard_upstream: str = Field(
        default="zane-api:8000",
        description="host:port the dashboard domain is proxied to (the API, which serves the SPA).",
    )
    drift_check_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often Caddy's copy of our routes is compared with what we applied; "
        "a restarted-empty proxy or a hand-removed route is repaired at the next check.",
    )
    upstream_hold_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="A request whose service has no task to take it (a stop-first redeploy: "
        "one with a read-write volume or a published port) waits this long for one, retried "
        "every 100 ms, before the visitor gets the error page (a service that is down costs each "
        "visitor this wait). 0: fail at once.",
    )
    request_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout of one admin API call (big configs load slowly)."
    )
