"""Proof that the Git host knows the webhook's secret.

GitHub, Gitea and Forgejo sign the raw body with HMAC-SHA256; GitLab sends the secret
itself. A call with none of these is unsigned: refused, unless its webhook was chosen
token-only (and then nothing in its body is trusted to choose what is built).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# (header, prefix before the hex digest)
_HMAC_HEADERS = (
    ("x-hub-signature-256", "sha256="),
    ("x-gitea-signature", ""),
    ("x-forgejo-signature", ""),
)


def _hmac_ok(secret: str, raw: bytes, sent: str, prefix: str) -> bool:
    expected = prefix + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), sent.strip().lower().encode())


def is_signed(headers: Mapping[str, str]) -> bool:
    """The call carries a proof (right or wrong) of knowing the secret."""
    names = [header for header, _ in _HMAC_HEADERS] + ["x-gitlab-token"]
    return any(headers.get(name) is not None for name in names)


def signature_problem(headers: Mapping[str, str], raw: bytes, secret: str) -> str | None:
    """Why the request's proof is wrong, or None if it is right or absent."""
    for header, prefix in _HMAC_HEADERS:
        sent = headers.get(header)
        if sent is not None and not _hmac_ok(secret, raw, sent, prefix):
            return f"the {header} signature does not match the webhook's secret"
    token = headers.get("x-gitlab-token")
    if token is not None and not hmac.compare_digest(token.encode(), secret.encode()):
        return "the X-Gitlab-Token does not match the webhook's secret"
    return None
