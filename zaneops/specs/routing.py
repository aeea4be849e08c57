"""Domains: which host and path go to which service, or where they redirect."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from ._base import SpecModel
from ._edge import is_password_hash
from ._rules import refuse
from .certificates import check_certificate_pem, check_private_key_text
from .fields import (
    BasicAuthName,
    BasicAuthPassword,
    BodySize,
    DomainName,
    HeaderName,
    HeaderValue,
    Labels,
    Network,
    Port,
    UrlPath,
    WebUrl,
)

__all__ = [
    "BasicAuthUser",
    "CustomCertificate",
    "DomainSpec",
    "Redirect",
    "RouteTarget",
    "host_matches",
    "hosts_overlap",
    "is_password_hash",
]

CertificatePem = Annotated[str, AfterValidator(check_certificate_pem)]
PrivateKeyText = Annotated[str, AfterValidator(check_private_key_text)]

MAX_USERS = 20
MAX_NETWORKS = 100
MAX_HEADERS = 30


class RouteTarget(SpecModel):
    service_id: UUID = Field(description="The service that answers; reached by its stable alias.")
    port: Port = Field(description="The container port the service listens on.")


class Redirect(SpecModel):
    url: WebUrl = Field(description="Where visitors are sent, e.g. https://example.com/new.")
    permanent: bool = Field(
        default=False, description="308 (browsers remember it) instead of 307 (they do not)."
    )


class BasicAuthUser(SpecModel):
    username: BasicAuthName = Field(description="The name a visitor signs in with.")
    password: BasicAuthPassword = Field(
        description="Sent in clear over HTTPS, stored only as a bcrypt hash, read back masked; "
        "send the mask back to keep the stored password."
    )


class CustomCertificate(SpecModel):
    certificate: CertificatePem = Field(
        description="The certificate chain in PEM, the domain's certificate first."
    )
    private_key: PrivateKeyText = Field(
        description="Its unencrypted private key in PEM; stored sealed, read back masked "
        "(send the mask back to keep it)."
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
    basic_auth: list[BasicAuthUser] = Field(
        default_factory=list,
        max_length=MAX_USERS,
        description="Visitors sign in as one of these users (HTTP basic authentication) before "
        "anything else; empty: no sign-in.",
    )
    allow_networks: list[Network] = Field(
        default_factory=list,
        max_length=MAX_NETWORKS,
        description="Only visitors from these addresses or networks get through; others get "
        "403. Empty: everyone.",
    )
    deny_networks: list[Network] = Field(
        default_factory=list,
        max_length=MAX_NETWORKS,
        description="Visitors from these addresses or networks get 403, even if allowed.",
    )
    security_headers: bool = Field(
        default=False,
        description="Add HSTS, X-Content-Type-Options: nosniff, X-Frame-Options: SAMEORIGIN and "
        "Referrer-Policy: strict-origin-when-cross-origin to every answer.",
    )
    response_headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict,
        max_length=MAX_HEADERS,
        description="Headers set on every answer (replacing the service's own of that name).",
    )
    compress: bool = Field(
        default=True, description="Compress answers with zstd or gzip, as the visitor accepts."
    )
    max_body_size: BodySize | None = Field(
        default=None,
        description="Requests with a larger body are refused with 413 (e.g. 10Mi); none: no limit.",
    )
    maintenance: bool = Field(
        default=False,
        description="Answer every request with a 503 maintenance page instead of the service; "
        "switched on and off without a deploy.",
    )
    maintenance_message: str = Field(
        default="", max_length=2000, description="Shown on the maintenance page, as plain text."
    )
    certificate: CustomCertificate | None = Field(
        default=None,
        description="Serve this certificate instead of one from the internal CA or ACME.",
    )
    redirect_www: bool = Field(
        default=False,
        description="Also answer the www. variant of the domain (or the bare name, for a www. "
        "domain) and redirect it here, permanently.",
    )
    labels: Labels

    @field_validator("strip_prefix")
    @classmethod
    def _strip_prefix_needs_a_service(cls, strip_prefix: bool, info: ValidationInfo) -> bool:
        if strip_prefix and info.data.get("redirect") is not None:
            raise refuse(
                "strip_prefix_with_redirect",
                "strip_prefix applies to traffic sent to a service, not to a redirect: unset it",
            )
        return strip_prefix

    @field_validator("basic_auth")
    @classmethod
    def _user_names_unique(cls, users: list[BasicAuthUser]) -> list[BasicAuthUser]:
        names = [user.username for user in users]
        duplicate = next((name for name in names if names.count(name) > 1), None)
        if duplicate is not None:
            raise refuse("duplicate_user", f"the user name {duplicate} appears twice")
        return users

    @field_validator("response_headers")
    @classmethod
    def _header_names_unique(cls, headers: dict[str, str]) -> dict[str, str]:
        lowered = [name.lower() for name in headers]
        duplicate = next((name for name in headers if lowered.count(name.lower()) > 1), None)
        if duplicate is not None:
            raise refuse(
                "duplicate_header", f"the header {duplicate} is set twice (names ignore case)"
            )
        return headers

    @model_validator(mode="after")
    def _www_variant_of_a_whole_host(self) -> DomainSpec:
        if self.redirect_www and (self.domain.startswith("*.") or self.base_path != "/"):
            raise refuse(
                "redirect_www_needs_a_whole_host",
                "redirect_www applies to a whole host: not to a wildcard, and only with "
                "base_path /",
            )
        return self

    @property
    def www_variant(self) -> str:
        """www.example.com for example.com, and example.com for www.example.com."""
        if self.domain.startswith("www."):
            return self.domain.removeprefix("www.")
        return "www." + self.domain

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
