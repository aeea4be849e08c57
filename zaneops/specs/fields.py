"""Validated field types shared by every spec.

Each type refuses bad input with a message meant to be shown next to the field, and
normalises good input to one spelling (lowercase host names, bytes, seconds, cores, ...),
so two specs that mean the same thing compare and hash the same.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from ._edge import (
    check_basic_auth_name,
    check_header_name,
    check_header_value,
    check_network,
    check_password,
)
from ._env import check_env_var_name, check_env_var_value
from ._git import check_branch, check_commit_sha, check_git_url
from ._image import check_image_ref
from ._names import check_dns_name, check_domain_name, check_slug
from ._paths import check_container_path, check_host_path, check_relative_path, check_url_path
from ._quantities import (
    check_cpu,
    check_duration,
    check_memory,
    check_port,
    parse_cpu,
    parse_duration,
    parse_memory,
    refuse_booleans,
)
from ._rules import refuse
from ._urls import check_http_url

Slug = Annotated[str, AfterValidator(check_slug)]
"""Lowercase letters, digits and hyphens; 1-63 characters; starts with a letter; no trailing
hyphen. Fits in a DNS label and a Docker resource name."""

ImageRef = Annotated[str, AfterValidator(check_image_ref)]
"""A Docker image reference: [host[:port]/]path[:tag][@sha256:digest]."""

DnsName = Annotated[str, AfterValidator(check_dns_name)]
"""A host name such as app.example.com or localhost; lowercased."""

DomainName = Annotated[str, AfterValidator(check_domain_name)]
"""A host name, or a wildcard over one leftmost label such as *.example.com; lowercased."""

Port = Annotated[int, BeforeValidator(refuse_booleans("a port")), AfterValidator(check_port)]
"""A TCP or UDP port, 1-65535."""

EnvVarName = Annotated[str, AfterValidator(check_env_var_name)]
"""An environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most 255 characters."""

EnvVarValue = Annotated[str, AfterValidator(check_env_var_value)]
"""An environment variable value: at most 32 KiB of UTF-8, no NUL."""

ContainerPath = Annotated[str, AfterValidator(check_container_path)]
"""An absolute path inside a container, normalised, never '/' itself."""

HostPath = Annotated[str, AfterValidator(check_host_path)]
"""An absolute path on the host, normalised. Syntax only: the allow-listed root is checked
at run time by the volumes controller."""

RelativePath = Annotated[str, AfterValidator(check_relative_path)]
"""A path inside a repository, normalised; '.' is the repository root."""

UrlPath = Annotated[str, AfterValidator(check_url_path)]
"""The path part of a URL, e.g. a route's base path: starts with '/', no trailing '/'
(except '/' itself), no query or fragment."""

WebUrl = Annotated[str, AfterValidator(check_http_url)]
"""An absolute http:// or https:// URL, kept as the string given."""

GitRepositoryUrl = Annotated[str, AfterValidator(check_git_url)]
"""Where to clone from: https://, http://, ssh://, file://, user@host:path or an absolute path."""

GitBranch = Annotated[str, AfterValidator(check_branch)]
"""A branch name that `git check-ref-format --branch` accepts."""

CommitSha = Annotated[str, AfterValidator(check_commit_sha)]
"""A commit hash, full or abbreviated (7-40 hex digits); lowercased."""

CpuAmount = Annotated[
    float,
    BeforeValidator(parse_cpu),
    BeforeValidator(refuse_booleans("CPU")),
    AfterValidator(check_cpu),
]
"""CPU cores: 1.5, "0.5" or millicores "500m"; more than 0, at most 512; normalised to cores."""

MemorySize = Annotated[
    int,
    BeforeValidator(parse_memory),
    BeforeValidator(refuse_booleans("memory")),
    AfterValidator(check_memory),
]
"""Bytes, or "512Mi" (1024-based), "1G" (1000-based), "1.5Gi"; units are case-insensitive;
4Mi to 1Ti; normalised to bytes."""

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    BeforeValidator(refuse_booleans("a duration")),
    AfterValidator(check_duration),
]
"""Seconds, or Go-style "30s", "1m30s", "500ms", "2h"; more than 0, at most 24h; normalised
to seconds."""


def check_body_size(size: int) -> int:
    if not BODY_MIN_BYTES <= size <= BODY_MAX_BYTES:
        raise refuse(
            "body_size_out_of_range",
            f"a request body limit is between 1Ki and 10Gi, got {size} bytes",
        )
    return size


BODY_MIN_BYTES = 1024
BODY_MAX_BYTES = 10 * 1024**3

BodySize = Annotated[
    int,
    BeforeValidator(parse_memory),
    BeforeValidator(refuse_booleans("a size")),
    AfterValidator(check_body_size),
]
"""Bytes, or "10Mi", "1G"; 1Ki to 10Gi; normalised to bytes."""

BasicAuthName = Annotated[str, AfterValidator(check_basic_auth_name)]
"""A user name for basic authentication: letters, digits and . _ @ + -, at most 64."""

BasicAuthPassword = Annotated[str, AfterValidator(check_password)]
"""The password as sent (1-72 bytes, hashed by the API before it is stored), or its bcrypt
hash as stored."""

Network = Annotated[str, AfterValidator(check_network)]
"""An IP address or a CIDR network (203.0.113.0/24, 2001:db8::/32); normalised."""

HeaderName = Annotated[str, AfterValidator(check_header_name)]
"""An HTTP header name: a token (no spaces, colons or brackets); not one the proxy owns."""

HeaderValue = Annotated[str, AfterValidator(check_header_value)]
"""An HTTP header value: at most 1000 characters, no line breaks."""

_LABEL_KEY = re.compile(r"[a-z0-9](?:[a-z0-9._/-]{0,61}[a-z0-9])?")


def check_label_key(key: str) -> str:
    if not _LABEL_KEY.fullmatch(key):
        raise refuse(
            "invalid_label_key",
            "a label's key is 1-63 lowercase letters, digits and . _ / -, starting and ending "
            f"with a letter or digit, got {key!r}",
        )
    return key


def check_label_value(value: str) -> str:
    if len(value) > LABEL_VALUE_MAX or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise refuse("invalid_label_value", "a label's value is at most 200 characters, one line")
    return value


LABEL_VALUE_MAX = 200
MAX_LABELS = 20

LabelKey = Annotated[str, AfterValidator(check_label_key)]
"""A label's key, like zaneops.dev/applied or team."""

LabelValue = Annotated[str, AfterValidator(check_label_value)]
"""A label's value: one line, at most 200 characters."""

Labels = Annotated[
    dict[LabelKey, LabelValue],
    Field(
        default_factory=dict,
        max_length=MAX_LABELS,
        description="Free key/value marks (the CLI's apply marks what it created with "
        "zaneops.dev/applied); they change nothing that runs.",
    ),
]

__all__ = [
    "BasicAuthName",
    "BasicAuthPassword",
    "BodySize",
    "CommitSha",
    "ContainerPath",
    "CpuAmount",
    "DnsName",
    "DomainName",
    "Duration",
    "EnvVarName",
    "EnvVarValue",
    "GitBranch",
    "GitRepositoryUrl",
    "HeaderName",
    "HeaderValue",
    "HostPath",
    "ImageRef",
    "LabelKey",
    "LabelValue",
    "Labels",
    "MemorySize",
    "Network",
    "Port",
    "RelativePath",
    "Slug",
    "UrlPath",
    "WebUrl",
]
