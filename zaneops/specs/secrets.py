"""Where specs hold secrets: the one list the API (to seal and mask), the CLI (to keep them
out of files and diffs) and the manifest schema read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Path = tuple[str | int, ...]
# A source's credential fields that are secrets (a registry password, a Git token or key).
CREDENTIAL_SECRETS = ("password", "token", "ssh_key")


def secret_paths(spec: Mapping[str, Any]) -> list[Path]:
    """Where this service's or domain's spec holds a secret (a value that is set)."""
    paths: list[Path] = [
        ("env", n, "value")
        for n, var in enumerate(spec.get("env") or [])
        if isinstance(var, Mapping) and var.get("secret")
    ]
    source = spec.get("source")
    credentials = source.get("credentials") if isinstance(source, Mapping) else None
    if isinstance(credentials, Mapping):
        paths += [
            ("source", "credentials", name)
            for name in CREDENTIAL_SECRETS
            if credentials.get(name) is not None
        ]
    paths += [("basic_auth", n, "password") for n, _ in enumerate(spec.get("basic_auth") or [])]
    if isinstance(spec.get("certificate"), Mapping):
        paths.append(("certificate", "private_key"))
    return paths
