"""File-system paths (in a container, on the host, in a repository) and URL base paths."""

from __future__ import annotations

import re

from ._rules import Rule, apply_rules, has_space_or_control, refuse

PATH_MAX_LENGTH = 4096
URL_PATH_MAX_LENGTH = 2048


def _has_parent_segment(path: str) -> bool:
    return ".." in path.split("/")


def _absolute_path_rules(noun: str) -> tuple[Rule, ...]:
    return (
        (
            lambda v: not v.startswith("/"),
            noun + " must be absolute (start with '/'), got {value}",
        ),
        (lambda v: len(v) > PATH_MAX_LENGTH, noun + " must be at most 4096 characters"),
        (lambda v: "\0" in v, noun + " must not contain a NUL character"),
        (_has_parent_segment, noun + " must not contain '..' segments, got {value}"),
    )


_CONTAINER_PATH_RULES = _absolute_path_rules("a container path")
_HOST_PATH_RULES = _absolute_path_rules("a host path")

_RELATIVE_PATH_RULES: tuple[Rule, ...] = (
    (lambda v: not v, "a path must not be empty; '.' is the repository root"),
    (lambda v: v.startswith("/"), "this path is relative to the repository: drop the leading '/'"),
    (lambda v: len(v) > PATH_MAX_LENGTH, "a path must be at most 4096 characters"),
    (lambda v: "\0" in v, "a path must not contain a NUL character"),
    (_has_parent_segment, "a path must stay inside the repository: no '..' segments"),
)

# What a route's base path may hold: nothing Caddy reads as a pattern ('*') or a placeholder
# ('{...}'), and '%' only to encode a byte: it matches exactly what it says.
_PLAIN_URL_PATH = re.compile(r"(?:[A-Za-z0-9._~!$&'()+,;=:@/-]|%[0-9A-Fa-f]{2})*")

_URL_PATH_RULES: tuple[Rule, ...] = (
    (lambda v: not v.startswith("/"), "a URL path must start with '/', got {value}"),
    (lambda v: len(v) > URL_PATH_MAX_LENGTH, "a URL path must be at most 2048 characters"),
    (has_space_or_control, "a URL path must not contain spaces, got {value}"),
    (
        lambda v: "?" in v or "#" in v,
        "a URL path must not contain '?' or '#' (queries and fragments are not routed), "
        "got {value}",
    ),
    (_has_parent_segment, "a URL path must not contain '..' segments, got {value}"),
    (
        lambda v: not _PLAIN_URL_PATH.fullmatch(v),
        "a URL path may hold only letters, digits, '/', - . _ ~ ! $ & ' ( ) + , ; = : @ and "
        "%XX escapes (no '*', '{' or '}'), got {value}",
    ),
)


def _segments(path: str) -> list[str]:
    """The meaningful segments: '//' and '.' add nothing, and dropping them gives one spelling."""
    return [segment for segment in path.split("/") if segment not in ("", ".")]


def _normalise_absolute(path: str) -> str:
    return "/" + "/".join(_segments(path))


def check_container_path(value: str) -> str:
    path = _normalise_absolute(apply_rules(value, _CONTAINER_PATH_RULES, "invalid_container_path"))
    if path == "/":
        raise refuse(
            "invalid_container_path",
            "mounting over '/' would hide the whole container: choose a folder like /data",
        )
    return path


def check_host_path(value: str) -> str:
    """Syntax only: the allow-listed root is checked at run time, against the real disk."""
    return _normalise_absolute(apply_rules(value, _HOST_PATH_RULES, "invalid_host_path"))


def check_relative_path(value: str) -> str:
    apply_rules(value, _RELATIVE_PATH_RULES, "invalid_relative_path")
    return "/".join(_segments(value)) or "."


def check_url_path(value: str) -> str:
    return _normalise_absolute(apply_rules(value, _URL_PATH_RULES, "invalid_url_path"))
