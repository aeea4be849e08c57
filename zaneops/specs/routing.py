"""Domains: which host and path go to which service, or where they redirect."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ._base import SpecModel
from ._rules import refuse
from .fields import DomainName, Port, UrlPath, WebUrl


class RouteTarget(SpecModel):
    service_id: UUID = Field(description="The service that answers; reached by its stable alias.")
    port: Port = Field(description="The container port the service listens on.")


class Redirect(SpecModel):
    url: WebUrl = Field(description="Where visitors are sent, e.g. https://example.com/new.")
    permanent: bool = Field(
        default=False, description="308 (browsers remember it) instead of 307 (they do not)."
    )


class DomainSpec(SpecModel):
    domain: DomainName = Field(
        description="The host to answer for; *.example.com covers one level."
    )
    base_path: UrlPath = Field(
        default="/", description="Only requests under this path match; '/' matches all."
    )
    target: RouteTarget | None = Field(default=None, description="Send traffic to a service.")
    redirect: Redirect | None = Field(default=None, description="Send visitors elsewhere.")
    strip_prefix: bool = Field(
        default=False, description="Remove base_path from the path before it reaches the service."
    )

    @field_validator("strip_prefix")
    @classmethod
    def _strip_prefix_needs_a_service(cls, strip_prefix: bool, info: ValidationInfo) -> bool:
        if strip_prefix and info.data.get("redirect") is not None:
            raise refuse(
                "strip_prefix_with_redirect",
                "strip_prefix applies to traffic sent to a service, not to a redirect: unset it",
            )
        return strip_prefix

    @model_validator(mode="after")
    def _exactly_one_destination(self) -> DomainSpec:
        if (self.target is None) == (self.redirect is None):
            given = "both are set" if self.target is not None else "neither is set"
            raise refuse(
                "destination_not_unique",
                f"set exactly one of target (a service) or redirect (a URL); {given}",
            )
        return self


def host_matches(pattern: str, host: str) -> bool:
    """Exact match, or `*.example.com` covering exactly one leftmost label."""
    if not pattern.startswith("*."):
        return pattern == host
    label, _, rest = host.partition(".")
    return bool(label) and rest == pattern[2:]


def hosts_overlap(a: str, b: str) -> bool:
    """Two domains could answer the same request: equal, or one a wildcard covering the other
    (then the more specific one would take traffic from the other)."""
    return a == b or host_matches(a, b) or host_matches(b, a)
