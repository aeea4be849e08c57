"""Checks of an uploaded certificate: PEM that parses, covers its domain, and is in date.

The private key is sealed before it is stored, so the spec only checks its shape; the API
checks that it parses and matches the certificate before sealing it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from ._rules import refuse

PEM_MAX_BYTES = 64 * 1024  # a chain of a few certificates, with room
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


def check_certificate_pem(value: str) -> str:
    """A PEM chain, the domain's certificate first; refused if any part does not parse."""
    if len(value.encode()) > PEM_MAX_BYTES:
        raise refuse("certificate_too_large", "a certificate chain has at most 64 KiB of PEM")
    if PEM_CERTIFICATE not in value:
        raise refuse(
            "invalid_certificate",
            "paste the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----",
        )
    try:
        x509.load_pem_x509_certificates(value.encode())
    except ValueError as exc:
        raise refuse("invalid_certificate", f"the certificate does not parse: {exc}") from None
    return value


def check_private_key_text(value: str) -> str:
    if len(value.encode()) > PEM_MAX_BYTES:
        raise refuse("private_key_too_large", "a private key has at most 64 KiB of PEM")
    if not value.strip():
        raise refuse("empty_private_key", "the private key must not be empty")
    return value


def leaf_of(chain_pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificates(chain_pem.encode())[0]


def expiry_of(chain_pem: str) -> datetime:
    return leaf_of(chain_pem).not_valid_after_utc


def names_of(certificate: x509.Certificate) -> list[str]:
    """The DNS names a certificate is for (its SANs; the common name if it has none)."""
    try:
        sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        return [name.lower() for name in sans.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        common = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return [str(attribute.value).lower() for attribute in common]


def covers(names: list[str], host: str) -> bool:
    """A name or a one-label wildcard name covers the host (a wildcard host needs a wildcard)."""
    if host in names:
        return True
    parent = host.partition(".")[2]
    return not host.startswith("*.") and f"*.{parent}" in names


def _spki(public_key: object) -> bytes:
    encoded: bytes = public_key.public_bytes(  # type: ignore[attr-defined]
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    return encoded


def key_problem(chain_pem: str, key_pem: str, host: str, now: datetime | None = None) -> str | None:
    """Why this certificate and key cannot serve `host`, or None: the key parses and is the
    certificate's, the certificate names the host, and it is in date."""
    try:
        key: PrivateKeyTypes = load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        return f"the private key does not parse (an unencrypted PEM key is needed): {exc}"
    leaf = leaf_of(chain_pem)
    if _spki(key.public_key()) != _spki(leaf.public_key()):
        return "this private key is not the certificate's: they do not match"
    if not covers(names_of(leaf), host):
        return f"the certificate is for {', '.join(names_of(leaf)) or 'no name'}, not {host}"
    moment = now or datetime.now(UTC)
    if leaf.not_valid_after_utc <= moment:
        return f"the certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}"
    return None
