"""Secrets in service specs: sealed before they are stored, masked when read back.

A client that read a masked spec can send it back unchanged: a masked value keeps the stored
sealed one. Sealed values never leave the API, so no input may look like one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from api.errors import ApiError, invalid
from zaneops.common.secrets import MASK, SEALED_PREFIX, SecretBox, SecretsUnavailable, is_sealed
from zaneops.specs.secrets import CREDENTIAL_SECRETS

Spec = dict[str, Any]


def _stored_secrets(stored: Spec | None) -> dict[str, str]:
    """Stored sealed values by name: env vars by their name, credentials by '*<field>'."""
    if stored is None:
        return {}
    found = {var["name"]: var["value"] for var in stored.get("env", []) if var.get("secret")}
    for name, value in _credential_secrets(stored):
        found[f"*{name}"] = value
    return found


def _credential_secrets(spec: Spec) -> list[tuple[str, str]]:
    credentials = _credentials(spec) or {}
    return [
        (name, credentials[name])
        for name in CREDENTIAL_SECRETS
        if isinstance(credentials.get(name), str)
    ]


def _credentials(spec: Spec) -> dict[str, Any] | None:
    credentials = spec.get("source", {}).get("credentials")
    return credentials if isinstance(credentials, dict) else None


def credential_host(spec: Spec | None) -> str | None:
    """Where a source's credentials are sent: the Git server, or the image's registry."""
    source = (spec or {}).get("source") or {}
    if source.get("type") == "git":
        return _git_host(str(source.get("repository_url", "")))
    if source.get("type") == "image":
        first, slash, _ = str(source.get("image", "")).partition("/")
        is_registry = slash and ("." in first or ":" in first or first == "localhost")
        return first.lower() if is_registry else "docker.io"
    return None


def _git_host(url: str) -> str:
    if "://" in url:
        return (urlsplit(url).hostname or "").lower()
    user_host, colon, _ = url.partition(":")  # user@host:path (scp-like)
    return user_host.rpartition("@")[2].lower() if colon else ""


def _seal_one(value: str, stored: str | None, field: str, box: SecretBox | None) -> str:
    if value == MASK:
        if stored is None:
            raise invalid(field, "this value is masked but nothing is stored: send the value")
        return stored
    if box is None:
        raise invalid(
            field,
            "this server has no ZANE_SECRET_KEY, so it cannot store secrets",
            "secrets_unavailable",
        )
    return box.seal(value)


def open_sealed(value: str, box: SecretBox | None) -> str:
    """A stored secret in clear, for the one answer that shows it (a person asked)."""
    if box is None:
        raise ApiError(
            503, "secrets_unavailable", "this server has no ZANE_SECRET_KEY: secrets cannot be read"
        )
    try:
        return box.open(value)
    except SecretsUnavailable as exc:
        raise ApiError(503, "secrets_unavailable", str(exc)) from None


def refuse_sealed_lookalikes(spec: Spec) -> None:
    for index, var in enumerate(spec.get("env", [])):
        if is_sealed(var["value"]):
            raise invalid(f"env.{index}.value", f"a value must not start with {SEALED_PREFIX!r}")
    for name, value in _credential_secrets(spec):
        if is_sealed(value):
            raise invalid(
                f"source.credentials.{name}", f"a secret must not start with {SEALED_PREFIX!r}"
            )


def seal_service_spec(new: Spec, stored: Spec | None, box: SecretBox | None) -> Spec:
    """The spec to store: secrets sealed, masked values replaced by the stored sealed ones."""
    refuse_sealed_lookalikes(new)
    sealed = copy.deepcopy(new)
    previous = _stored_secrets(stored)
    for index, var in enumerate(sealed.get("env", [])):
        if var.get("secret"):
            field = f"env.{index}.value"
            var["value"] = _seal_one(var["value"], previous.get(var["name"]), field, box)
        elif var["value"] == MASK and var["name"] in previous:
            raise invalid(f"env.{index}.value", "no longer secret: send the value itself")
    credentials = _credentials(sealed)
    moved = credential_host(stored) != credential_host(new)
    for name, value in _credential_secrets(sealed):
        field = f"source.credentials.{name}"
        assert credentials is not None  # it holds the value just read
        if value == MASK and moved:
            raise invalid(field, _moved(name, credential_host(stored), credential_host(new)))
        credentials[name] = _seal_one(value, previous.get(f"*{name}"), field, box)
    return sealed


def _moved(name: str, before: str | None, after: str | None) -> str:
    """A stored secret is never sent to a host other than the one it was saved for."""
    return (
        f"the stored {name} was saved for {before or 'another source'}; the source now points "
        f"at {after or 'another one'}: enter it again (or remove it) to use it there"
    )


def mask_service_spec(spec: Spec) -> Spec:
    masked = copy.deepcopy(spec)
    for var in masked.get("env", []):
        if var.get("secret"):
            var["value"] = MASK
    credentials = _credentials(masked)
    for name, _ in _credential_secrets(masked):
        assert credentials is not None
        credentials[name] = MASK
    return masked


def mask_deployment_spec(spec: Spec) -> Spec:
    masked = dict(spec)
    if isinstance(spec.get("service_spec"), dict):
        masked["service_spec"] = mask_service_spec(spec["service_spec"])
    return masked


def mask_build_spec(spec: Spec) -> Spec:
    masked = dict(spec)
    source = spec.get("source")
    if isinstance(source, dict):
        masked["source"] = mask_service_spec({"source": source})["source"]
    return masked


def opened(value: str, box: SecretBox | None) -> str:
    """The plaintext, to compare two sealed values (sealing is randomised)."""
    if box is None or not is_sealed(value):
        return value
    try:
        return box.open(value)
    except SecretsUnavailable as exc:  # sealed under another key: cannot be compared
        raise ApiError(409, "secret_unreadable", "a stored secret cannot be opened") from exc


def seal_sent_secret(
    box: SecretBox | None,
    path: str,
    sent: str,
    stored: str | None,
    *,
    problem: Callable[[str], str | None],
    why_nothing_stored: str,
) -> str:
    """A secret field as a client sent it: the mask keeps the stored sealed value (refused,
    saying why_nothing_stored, when there is none); a clear value is checked by `problem`
    and sealed. 422 on `path` otherwise."""
    if sent == MASK:
        if stored is None:
            raise invalid(path, f"send the value again: {why_nothing_stored}")
        return stored
    if is_sealed(sent):
        raise invalid(path, f"a value must not start with {SEALED_PREFIX!r}")
    found = problem(sent)
    if found is not None:
        raise invalid(path, found)
    if box is None:
        raise invalid(
            path,
            "this server has no ZANE_SECRET_KEY, so it cannot store secrets",
            "secrets_unavailable",
        )
    return box.seal(sent)
