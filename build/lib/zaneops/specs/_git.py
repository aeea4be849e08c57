"""Git: where a repository is, which branch, which commit."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from ._rules import Rule, apply_rules, has_space_or_control, refuse

BRANCH_MAX_LENGTH = 255
URL_MAX_LENGTH = 2048

# user@host:path, the scp-like form git accepts for ssh.
_SCP_LIKE = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+")
_COMMIT_SHA = re.compile(r"[0-9a-f]{7,40}")
_REF_FORBIDDEN_CHARS = re.compile(r"[~^:?*\[\\]")

_URL_ERROR = "invalid_git_url"
_URL_FORMS = "https://, http://, ssh://, file://, git@host:path or an absolute path"

_BRANCH_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a branch name must not be empty"),
    (lambda v: len(v) > BRANCH_MAX_LENGTH, "a branch name must be at most 255 characters"),
    (has_space_or_control, "a branch name must not contain spaces, got {value}"),
    (
        lambda v: bool(_REF_FORBIDDEN_CHARS.search(v)),
        "a branch name must not contain any of ~ ^ : ? * [ \\, got {value}",
    ),
    (lambda v: v.startswith("-"), "a branch name must not start with '-', got {value}"),
    (
        lambda v: ".." in v or "@{" in v or "//" in v,
        "a branch name must not contain '..', '@{' or '//', got {value}",
    ),
    (
        lambda v: v.startswith("/") or v.endswith(("/", ".", ".lock")),
        "a branch name must not start with '/' or end with '/', '.' or '.lock', got {value}",
    ),
)


def check_git_url(value: str) -> str:
    if len(value) > URL_MAX_LENGTH:
        raise refuse(_URL_ERROR, "a repository URL must be at most 2048 characters")
    if not value or has_space_or_control(value):
        raise refuse(
            _URL_ERROR, f"a repository URL must be non-empty, without spaces, got {value!r}"
        )
    if value.startswith("/") or _SCP_LIKE.fullmatch(value):
        return value
    _check_url_with_scheme(value)
    return value


def _check_url_with_scheme(value: str) -> None:
    try:
        url = urlsplit(value)
    except ValueError as error:  # e.g. an unclosed '[' of an IPv6 host
        raise refuse(_URL_ERROR, f"a repository URL must be {_URL_FORMS}, got {value!r}") from error
    if url.scheme not in ("https", "http", "ssh", "file"):
        raise refuse(_URL_ERROR, f"a repository URL must be {_URL_FORMS}, got {value!r}")
    if not _names_a_repository(url):
        raise refuse(
            _URL_ERROR,
            "a repository URL needs a host and a path, like https://host/owner/repo, "
            f"got {value!r}",
        )


def _names_a_repository(url: SplitResult) -> bool:
    """file:// needs only a path (its host is optional); the others need a host and a path."""
    has_path = url.path.strip("/") != ""
    return has_path and (url.scheme == "file" or bool(url.hostname))


def check_branch(value: str) -> str:
    return apply_rules(value, _BRANCH_RULES, "invalid_branch")


def check_commit_sha(value: str) -> str:
    sha = value.lower()
    if not _COMMIT_SHA.fullmatch(sha):
        raise refuse(
            "invalid_commit_sha",
            f"a commit must be 7 to 40 hexadecimal characters, got {value!r}",
        )
    return sha
