"""Docker image references, after the grammar of distribution/reference.

reference := [host[:port]/]path[:tag][@sha256:<64 hex>]
"""

from __future__ import annotations

import re

from ._rules import has_space_or_control, refuse

IMAGE_NAME_MAX_LENGTH = 255

_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_TAG = re.compile(r"\w[\w.-]{0,127}", re.ASCII)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_REGISTRY = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")

_ERROR = "invalid_image_ref"


def check_image_ref(value: str) -> str:
    if not value or has_space_or_control(value):
        raise refuse(_ERROR, f"an image reference must be non-empty, without spaces, got {value!r}")
    rest, at, digest = value.partition("@")
    if at:
        _check_digest(digest)
    name, tag = _split_tag(rest)
    if tag is not None:
        _check_tag(tag)
    _check_name(name)
    return value


def _split_tag(reference: str) -> tuple[str, str | None]:
    """Split at the first ':' after the last '/': a ':' before it belongs to a registry port."""
    head, slash, last = reference.rpartition("/")
    last_name, colon, tag = last.partition(":")
    return head + slash + last_name, tag if colon else None


def _check_digest(digest: str) -> None:
    if not _DIGEST.fullmatch(digest):
        raise refuse(
            _ERROR, f"a digest must be 'sha256:' and 64 lowercase hex digits, got {digest!r}"
        )


def _check_tag(tag: str) -> None:
    if not tag:
        raise refuse(_ERROR, "the tag after ':' is empty: add a tag (like :1.27) or drop the ':'")
    if not _TAG.fullmatch(tag):
        raise refuse(
            _ERROR,
            "a tag is 1 to 128 letters, digits, '_', '.' or '-', and must not start with '.' or "
            f"'-', got {tag!r}",
        )


def _check_name(name: str) -> None:
    if not name:
        raise refuse(_ERROR, "an image reference needs a repository name, like nginx")
    if len(name) > IMAGE_NAME_MAX_LENGTH:
        raise refuse(_ERROR, f"an image name has at most 255 characters, got {len(name)}")
    registry, path = _split_registry(name)
    if registry is not None and not _REGISTRY.fullmatch(registry):
        raise refuse(_ERROR, f"{registry!r} is not a valid registry host[:port]")
    for component in path.split("/"):
        _check_path_component(component)


def _split_registry(name: str) -> tuple[str | None, str]:
    """The first component names a registry only if it looks like a host, as Docker decides."""
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, name


def _check_path_component(component: str) -> None:
    if not component:
        raise refuse(_ERROR, "an image name must not have an empty path component ('//' or '/')")
    if component != component.lower():
        raise refuse(_ERROR, f"a repository name must be lowercase, got {component!r}")
    if not _PATH_COMPONENT.fullmatch(component):
        raise refuse(
            _ERROR,
            f"{component!r} is not a valid repository name: use lowercase letters and digits, "
            "separated by '.', '_', '__' or '-'",
        )
