"""The field types refuse bad input with an actionable message, and normalise good input."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError, create_model

from zaneops.specs import (
    CommitSha,
    ContainerPath,
    CpuAmount,
    DnsName,
    DomainName,
    Duration,
    EnvVarName,
    EnvVarValue,
    GitBranch,
    GitRepositoryUrl,
    HostPath,
    ImageRef,
    MemorySize,
    Port,
    RelativePath,
    Slug,
    UrlPath,
    WebUrl,
)

SHA256 = "sha256:" + "0123456789abcdef" * 4
LOC = ("value",)


@cache
def holder(field_type: Any) -> type[BaseModel]:
    """A one-field model, so errors carry the loc a spec field would."""
    model: type[BaseModel] = create_model("Holder", value=(field_type, ...))
    return model


def validate(field_type: Any, raw: object) -> object:
    return holder(field_type).model_validate({"value": raw}).value  # type: ignore[attr-defined]


def good(field_type: Any, raw: object, normalised: object) -> Any:
    return pytest.param(field_type, raw, normalised, id=f"{_name(field_type)}:{raw!r:.40}")


def bad(field_type: Any, raw: object, message: str, loc: tuple[object, ...] = LOC) -> Any:
    return pytest.param(field_type, raw, message, loc, id=f"{_name(field_type)}:{raw!r:.40}")


def _name(field_type: Any) -> str:
    return next(name for name, value in globals().items() if value is field_type)


GOOD_INPUTS = [
    # Slug
    good(Slug, "a", "a"),
    good(Slug, "my-app-2", "my-app-2"),
    good(Slug, "a--b", "a--b"),
    good(Slug, "a" * 63, "a" * 63),
    # ImageRef: kept exactly as given
    good(ImageRef, "nginx", "nginx"),
    good(ImageRef, "nginx:1.27", "nginx:1.27"),
    good(ImageRef, "library/nginx", "library/nginx"),
    good(ImageRef, "ghcr.io/acme/api:v1.2.3", "ghcr.io/acme/api:v1.2.3"),
    good(ImageRef, "localhost/app", "localhost/app"),
    good(ImageRef, "localhost:5000/app", "localhost:5000/app"),
    good(ImageRef, "localhost:5000", "localhost:5000"),
    good(ImageRef, "Registry.Example.com:5000/team/app", "Registry.Example.com:5000/team/app"),
    good(ImageRef, "[::1]:5000/app:dev", "[::1]:5000/app:dev"),
    good(ImageRef, "acme/a.b_c__d-e--f", "acme/a.b_c__d-e--f"),
    good(ImageRef, "app:V_1.0-rc", "app:V_1.0-rc"),
    good(ImageRef, "app:" + "t" * 128, "app:" + "t" * 128),
    good(ImageRef, f"nginx@{SHA256}", f"nginx@{SHA256}"),
    good(ImageRef, f"ghcr.io/acme/api:1.0@{SHA256}", f"ghcr.io/acme/api:1.0@{SHA256}"),
    good(ImageRef, "a" * 255, "a" * 255),
    # DnsName: lowercased
    good(DnsName, "example.com", "example.com"),
    good(DnsName, "App.Example.COM", "app.example.com"),
    good(DnsName, "localhost", "localhost"),
    good(DnsName, "xn--bcher-kva.a-b.io", "xn--bcher-kva.a-b.io"),
    good(DnsName, "127.0.0.1", "127.0.0.1"),
    good(DnsName, "a" * 63 + ".com", "a" * 63 + ".com"),
    # DomainName: a host name, or one leading wildcard label
    good(DomainName, "app.example.com", "app.example.com"),
    good(DomainName, "*.Example.com", "*.example.com"),
    good(DomainName, "*.localhost", "*.localhost"),
    # Port
    good(Port, 1, 1),
    good(Port, 65535, 65535),
    good(Port, "8080", 8080),
    # EnvVarName
    good(EnvVarName, "A", "A"),
    good(EnvVarName, "_private", "_private"),
    good(EnvVarName, "DATABASE_URL_2", "DATABASE_URL_2"),
    good(EnvVarName, "x" * 255, "x" * 255),
    # EnvVarValue
    good(EnvVarValue, "", ""),
    good(EnvVarValue, "x" * 32768, "x" * 32768),
    # ContainerPath: '//', '.' and the trailing '/' are dropped
    good(ContainerPath, "/data", "/data"),
    good(ContainerPath, "/data/", "/data"),
    good(ContainerPath, "//var//lib/./db/", "/var/lib/db"),
    # HostPath
    good(HostPath, "/srv/zane/volumes/", "/srv/zane/volumes"),
    good(HostPath, "/", "/"),
    # RelativePath: '.' is the repository root
    good(RelativePath, "Dockerfile", "Dockerfile"),
    good(RelativePath, "./docker//Dockerfile", "docker/Dockerfile"),
    good(RelativePath, ".", "."),
    good(RelativePath, "./", "."),
    # UrlPath
    good(UrlPath, "/", "/"),
    good(UrlPath, "/api/", "/api"),
    good(UrlPath, "//api//v1/./x", "/api/v1/x"),
    good(UrlPath, "/caf%C3%A9", "/caf%C3%A9"),
    # WebUrl: kept as given
    good(WebUrl, "https://example.com", "https://example.com"),
    good(WebUrl, "http://example.com:8080/a?b=c#d", "http://example.com:8080/a?b=c#d"),
    # GitRepositoryUrl
    good(GitRepositoryUrl, "https://github.com/acme/app.git", "https://github.com/acme/app.git"),
    good(GitRepositoryUrl, "http://git.local/app", "http://git.local/app"),
    good(GitRepositoryUrl, "ssh://git@github.com/acme/app", "ssh://git@github.com/acme/app"),
    good(GitRepositoryUrl, "git@github.com:acme/app.git", "git@github.com:acme/app.git"),
    good(GitRepositoryUrl, "file:///srv/repos/app", "file:///srv/repos/app"),
    good(GitRepositoryUrl, "/srv/repos/app", "/srv/repos/app"),
    # GitBranch
    good(GitBranch, "main", "main"),
    good(GitBranch, "feature/login", "feature/login"),
    good(GitBranch, "release-1.2_rc", "release-1.2_rc"),
    # CommitSha: lowercased
    good(CommitSha, "abc1234", "abc1234"),
    good(CommitSha, "ABCDEF1", "abcdef1"),
    good(CommitSha, "f" * 40, "f" * 40),
    # CpuAmount: cores as a float
    good(CpuAmount, 1, 1.0),
    good(CpuAmount, 0.25, 0.25),
    good(CpuAmount, "0.5", 0.5),
    good(CpuAmount, " 1.5 ", 1.5),
    good(CpuAmount, "500m", 0.5),
    good(CpuAmount, "1m", 0.001),
    good(CpuAmount, 512, 512.0),
    # MemorySize: bytes as an int; k/M/G/T are 1000-based, Ki/Mi/Gi/Ti 1024-based
    good(MemorySize, 4194304, 4194304),
    good(MemorySize, "4194304", 4194304),
    good(MemorySize, "4Mi", 4194304),
    good(MemorySize, "4096Ki", 4194304),
    good(MemorySize, "8192k", 8192000),
    good(MemorySize, "512M", 512_000_000),
    good(MemorySize, "512Mi", 536_870_912),
    good(MemorySize, "512mi", 536_870_912),
    good(MemorySize, "512MB", 512_000_000),
    good(MemorySize, "1G", 1_000_000_000),
    good(MemorySize, "1GiB", 1_073_741_824),
    good(MemorySize, "1.5G", 1_500_000_000),
    good(MemorySize, "1.5Gi", 1_610_612_736),
    good(MemorySize, "1Ti", 1_099_511_627_776),
    # Duration: seconds as a float
    good(Duration, 30, 30.0),
    good(Duration, 0.5, 0.5),
    good(Duration, "10", 10.0),
    good(Duration, "30s", 30.0),
    good(Duration, "1m30s", 90.0),
    good(Duration, "1h30m", 5400.0),
    good(Duration, "500ms", 0.5),
    good(Duration, "1.5s", 1.5),
    good(Duration, "250us", 0.00025),
    good(Duration, "1000000ns", 0.001),
    good(Duration, "2h", 7200.0),
    good(Duration, "24h", 86400.0),
]

BAD_INPUTS = [
    # Slug
    bad(Slug, "", "must not be empty"),
    bad(Slug, "a" * 64, "at most 63 characters, got 64"),
    bad(Slug, "My-app", "must be lowercase, got 'My-app'"),
    bad(Slug, "my_app", "only lowercase letters, digits and hyphens, got 'my_app'"),
    bad(Slug, "my app", "only lowercase letters, digits and hyphens"),
    bad(Slug, "café", "only lowercase letters, digits and hyphens"),
    bad(Slug, "1app", "must start with a letter, got '1app'"),
    bad(Slug, "-app", "must start with a letter"),
    bad(Slug, "app-", "must not end with a hyphen, got 'app-'"),
    bad(Slug, 5, "Input should be a valid string"),
    # ImageRef
    bad(ImageRef, "", "must be non-empty, without spaces"),
    bad(ImageRef, "ng inx", "must be non-empty, without spaces, got 'ng inx'"),
    bad(ImageRef, "nginx\n", "without spaces"),
    bad(ImageRef, "Nginx", "repository name must be lowercase, got 'Nginx'"),
    bad(ImageRef, "acme/MyApp:1", "must be lowercase, got 'MyApp'"),
    bad(ImageRef, "foo:", "the tag after ':' is empty"),
    bad(ImageRef, "foo::bar", "got ':bar'"),
    bad(ImageRef, "foo:.bar", "must not start with '.' or '-', got '.bar'"),
    bad(ImageRef, "foo:-bar", "got '-bar'"),
    bad(ImageRef, "foo:a/b", "'foo:a' is not a valid registry host[:port]"),
    bad(ImageRef, "foo:" + "t" * 129, "1 to 128"),
    bad(ImageRef, "foo@", "a digest must be 'sha256:' and 64 lowercase hex digits"),
    bad(ImageRef, "foo@sha256:abc", "got 'sha256:abc'"),
    bad(ImageRef, "foo@sha256:" + "A" * 64, "64 lowercase hex digits"),
    bad(ImageRef, "foo@md5:" + "a" * 64, "a digest must be 'sha256:'"),
    bad(ImageRef, ":latest", "needs a repository name"),
    bad(ImageRef, f"@{SHA256}", "needs a repository name"),
    bad(ImageRef, "a" * 256, "at most 255 characters, got 256"),
    bad(ImageRef, "foo//bar", "empty path component"),
    bad(ImageRef, "foo/", "empty path component"),
    bad(ImageRef, "/foo", "empty path component"),
    bad(ImageRef, "foo-/bar", "'foo-' is not a valid repository name"),
    bad(ImageRef, "foo..bar", "'foo..bar' is not a valid repository name"),
    bad(ImageRef, "_foo", "'_foo' is not a valid repository name"),
    bad(ImageRef, "foo___bar", "separated by '.', '_', '__' or '-'"),
    bad(ImageRef, "reg_istry.io/app", "'reg_istry.io' is not a valid registry host[:port]"),
    bad(ImageRef, "registry.io:http/app", "'registry.io:http' is not a valid registry"),
    # DnsName
    bad(DnsName, "", "must not be empty"),
    bad(DnsName, "example.com.", "must not end with a dot, got 'example.com.'"),
    bad(DnsName, "*.example.com", "a wildcard is not allowed here"),
    bad(DnsName, "example", "at least two labels, like example.com (or is localhost)"),
    bad(DnsName, "a..example.com", "must not have an empty label"),
    bad(DnsName, ".example.com", "must not have an empty label"),
    bad(DnsName, "-a.example.com", "the label '-a' must not start or end with a hyphen"),
    bad(DnsName, "a-.example.com", "the label 'a-' must not start or end with a hyphen"),
    bad(DnsName, "a_b.example.com", "the label 'a_b' may contain only letters, digits and hyphens"),
    bad(DnsName, "a b.example.com", "may contain only letters, digits and hyphens"),
    bad(DnsName, "a" * 64 + ".com", "is 64 characters; a label has at most 63"),
    bad(DnsName, ("a" * 62 + ".") * 4 + "com", "at most 253 characters"),
    # DomainName: a wildcard only as the whole leftmost label
    bad(DomainName, "*", "the whole leftmost label, as in *.example.com, got '*'"),
    bad(DomainName, "a.*.com", "the whole leftmost label"),
    bad(DomainName, "*foo.com", "the whole leftmost label"),
    bad(DomainName, "foo*.com", "the whole leftmost label"),
    bad(DomainName, "*.*.example.com", "the whole leftmost label"),
    bad(DomainName, "*.com", "at least two labels"),
    bad(DomainName, "", "must not be empty"),
    bad(DomainName, "*." + ("a" * 62 + ".") * 4 + "c", "at most 253 characters"),
    bad(DomainName, "Example.com.", "must not end with a dot"),
    # Port
    bad(Port, 0, "between 1 and 65535, got 0"),
    bad(Port, 65536, "between 1 and 65535, got 65536"),
    bad(Port, -80, "between 1 and 65535"),
    bad(Port, True, "a port must be a number, not true or false"),
    bad(Port, "http", "Input should be a valid integer"),
    # EnvVarName
    bad(EnvVarName, "", "must not be empty"),
    bad(EnvVarName, "1A", "must not start with a digit, got '1A'"),
    bad(EnvVarName, "MY-VAR", "only letters, digits and '_', got 'MY-VAR'"),
    bad(EnvVarName, "MY VAR", "only letters, digits and '_'"),
    bad(EnvVarName, "CAFÉ", "only letters, digits and '_'"),
    bad(EnvVarName, "x" * 256, "at most 255 characters, got 256"),
    # EnvVarValue: the limit counts UTF-8 bytes, not characters
    bad(EnvVarValue, "x" * 32769, "at most 32 KiB"),
    bad(EnvVarValue, "é" * 16385, "at most 32 KiB (32768 bytes in UTF-8)"),
    bad(EnvVarValue, "a\0b", "must not contain a NUL character"),
    # ContainerPath
    bad(ContainerPath, "data", "must be absolute (start with '/'), got 'data'"),
    bad(ContainerPath, "", "must be absolute"),
    bad(ContainerPath, "/", "mounting over '/' would hide the whole container"),
    bad(ContainerPath, "//./", "mounting over '/'"),
    bad(ContainerPath, "/data/../etc", "must not contain '..' segments, got '/data/../etc'"),
    bad(ContainerPath, "/data\0", "must not contain a NUL character"),
    bad(ContainerPath, "/" + "a" * 4096, "at most 4096 characters"),
    # HostPath
    bad(HostPath, "srv/data", "a host path must be absolute"),
    bad(HostPath, "/srv/../etc", "a host path must not contain '..' segments"),
    bad(HostPath, "/srv\0", "must not contain a NUL character"),
    # RelativePath
    bad(RelativePath, "", "must not be empty; '.' is the repository root"),
    bad(RelativePath, "/Dockerfile", "drop the leading '/'"),
    bad(RelativePath, "../Dockerfile", "must stay inside the repository"),
    bad(RelativePath, "docker/../../x", "no '..' segments"),
    bad(RelativePath, "a\0", "must not contain a NUL character"),
    # UrlPath
    bad(UrlPath, "api", "must start with '/', got 'api'"),
    bad(UrlPath, "", "must start with '/'"),
    bad(UrlPath, "/a b", "must not contain spaces, got '/a b'"),
    bad(UrlPath, "/a?x=1", "must not contain '?' or '#'"),
    bad(UrlPath, "/a#top", "must not contain '?' or '#'"),
    bad(UrlPath, "/a/../b", "must not contain '..' segments"),
    bad(UrlPath, "/" + "a" * 2048, "at most 2048 characters"),
    # WebUrl
    bad(WebUrl, "example.com/path", "must be absolute, starting with http:// or https://"),
    bad(WebUrl, "ftp://example.com", "starting with http:// or https://"),
    bad(WebUrl, "https://", "must be absolute"),
    bad(WebUrl, "https://exa mple.com", "must be absolute"),
    bad(WebUrl, "https://[::1/x", "must be absolute"),
    bad(WebUrl, "https://x.io/" + "a" * 2048, "at most 2048 characters"),
    # GitRepositoryUrl
    bad(GitRepositoryUrl, "", "must be non-empty, without spaces"),
    bad(GitRepositoryUrl, "https://github.com/a b", "without spaces"),
    bad(
        GitRepositoryUrl, "github.com/acme/app", "https://, http://, ssh://, file://, git@host:path"
    ),
    bad(GitRepositoryUrl, "ftp://host/repo", "got 'ftp://host/repo'"),
    bad(GitRepositoryUrl, "git@github.com", "or an absolute path"),
    bad(GitRepositoryUrl, "https://[::1/repo", "or an absolute path"),
    bad(GitRepositoryUrl, "https://github.com", "needs a host and a path"),
    bad(GitRepositoryUrl, "https:///acme/app", "needs a host and a path"),
    bad(GitRepositoryUrl, "file://", "needs a host and a path"),
    bad(GitRepositoryUrl, "https://x.io/" + "a" * 2048, "at most 2048 characters"),
    # GitBranch
    bad(GitBranch, "", "must not be empty"),
    bad(GitBranch, "my branch", "must not contain spaces"),
    bad(GitBranch, "feat~1", "must not contain any of ~ ^ : ? * [ \\"),
    bad(GitBranch, "a:b", "must not contain any of"),
    bad(GitBranch, "-f", "must not start with '-'"),
    bad(GitBranch, "a..b", "must not contain '..', '@{' or '//'"),
    bad(GitBranch, "a@{1}", "must not contain '..', '@{' or '//'"),
    bad(GitBranch, "a//b", "must not contain '..', '@{' or '//'"),
    bad(GitBranch, "/a", "must not start with '/' or end with '/', '.' or '.lock'"),
    bad(GitBranch, "a/", "end with '/', '.' or '.lock'"),
    bad(GitBranch, "a.lock", "end with '/', '.' or '.lock'"),
    bad(GitBranch, "x" * 256, "at most 255 characters"),
    # CommitSha
    bad(CommitSha, "abc123", "7 to 40 hexadecimal characters, got 'abc123'"),
    bad(CommitSha, "g" * 7, "7 to 40 hexadecimal characters"),
    bad(CommitSha, "a" * 41, "7 to 40 hexadecimal characters"),
    # CpuAmount
    bad(CpuAmount, 0, "more than 0 and at most 512 cores, got 0"),
    bad(CpuAmount, -1, "more than 0 and at most 512 cores, got -1"),
    bad(CpuAmount, 513, "at most 512 cores, got 513"),
    bad(CpuAmount, "0m", "more than 0"),
    bad(CpuAmount, float("nan"), "more than 0 and at most 512 cores, got nan"),
    bad(CpuAmount, float("inf"), "at most 512 cores, got inf"),
    bad(CpuAmount, "two", "cores like 0.5 or 2, or millicores like 500m, got 'two'"),
    bad(CpuAmount, "1.5 cores", "millicores like 500m"),
    bad(CpuAmount, "500M", "millicores like 500m"),
    bad(CpuAmount, True, "CPU must be a number, not true or false"),
    # MemorySize
    bad(MemorySize, "256k", "at least 4Mi (4194304 bytes), Docker's minimum, got 256000 bytes"),
    bad(MemorySize, 1000, "at least 4Mi"),
    bad(MemorySize, "4M", "got 4000000 bytes"),
    bad(MemorySize, "1.1Ti", "at most 1Ti, got 1209462790553 bytes"),
    bad(MemorySize, "2T", "at most 1Ti"),
    bad(MemorySize, "lots", "bytes, or a size like 512Mi, 1G or 1.5Gi, got 'lots'"),
    bad(MemorySize, "5X", "a size like 512Mi"),
    bad(MemorySize, "-1G", "a size like 512Mi"),
    bad(MemorySize, 5_000_000.5, "fractional part"),
    bad(MemorySize, True, "memory must be a number, not true or false"),
    # Duration
    bad(Duration, 0, "more than 0 and at most 24h, got 0s"),
    bad(Duration, "0s", "more than 0"),
    bad(Duration, -5, "got -5s"),
    bad(Duration, "25h", "at most 24h, got 90000s"),
    bad(Duration, 86401, "at most 24h"),
    bad(Duration, "30 s", "seconds, or like 30s, 1m30s, 500ms or 2h, got '30 s'"),
    bad(Duration, "1d", "like 30s, 1m30s"),
    bad(Duration, "1M", "like 30s, 1m30s"),
    bad(Duration, "s", "like 30s, 1m30s"),
    bad(Duration, True, "a duration must be a number, not true or false"),
]


@pytest.mark.parametrize(("field_type", "raw", "normalised"), GOOD_INPUTS)
def test_good_input_is_normalised_to_one_spelling(
    field_type: Any, raw: object, normalised: object
) -> None:
    """Each accepted input comes out as exactly the normalised value, of the normalised type."""
    result = validate(field_type, raw)
    assert result == normalised
    assert type(result) is type(normalised)


@pytest.mark.parametrize(("field_type", "raw", "message", "loc"), BAD_INPUTS)
def test_bad_input_is_refused_with_an_actionable_message(
    field_type: Any, raw: object, message: str, loc: tuple[object, ...]
) -> None:
    """Each refused input yields one error, on the field, whose message says what to fix."""
    with pytest.raises(ValidationError) as caught:
        validate(field_type, raw)
    [error] = caught.value.errors()
    assert message in error["msg"]
    assert error["loc"] == loc


def test_custom_messages_are_not_prefixed_with_value_error() -> None:
    """Our messages reach the API verbatim, without pydantic's 'Value error, ' prefix."""
    with pytest.raises(ValidationError) as caught:
        validate(Slug, "Bad")
    [error] = caught.value.errors()
    assert error["msg"] == "a slug must be lowercase, got 'Bad'"
    assert error["type"] == "invalid_slug"


def test_normalised_values_validate_to_themselves() -> None:
    """Normalising is idempotent: a stored spec reads back unchanged."""
    for param in GOOD_INPUTS:
        field_type, _, normalised = param.values
        assert validate(field_type, normalised) == normalised
