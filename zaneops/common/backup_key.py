"""The key that encrypts database backups at rest, derived from the platform's sealing key:
whoever keeps the sealing key (`zaneops secret-key export`) can read every encrypted backup,
here or with the `age` tool anywhere else, and nothing new has to be kept.

An age X25519 identity is 32 random-looking bytes; ours are HMAC-SHA256(sealing key, LABEL).
The identity ("AGE-SECRET-KEY-1...") and its recipient ("age1...") are those bytes and the
X25519 public key, in age's bech32 spelling."""

from __future__ import annotations

import hashlib
import hmac

import bech32
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

# Distinct from every other use of the sealing key (restic's repositories, Fernet sealing).
LABEL = b"zaneops-backup-encryption:age-x25519:v1"
IDENTITY_PREFIX = "age-secret-key-"
RECIPIENT_PREFIX = "age"


def identity_bytes(sealing_key: str) -> bytes:
    """The 32 bytes of the identity (an X25519 private scalar; X25519 clamps it itself)."""
    return hmac.new(sealing_key.encode(), LABEL, hashlib.sha256).digest()


def identity(sealing_key: str) -> str:
    """The age identity, as `age-keygen` writes one (upper case)."""
    return _bech32(IDENTITY_PREFIX, identity_bytes(sealing_key)).upper()


def recipient(sealing_key: str) -> str:
    """The age recipient of the identity, as `age-keygen -y` prints it."""
    private = X25519PrivateKey.from_private_bytes(identity_bytes(sealing_key))
    return _bech32(RECIPIENT_PREFIX, private.public_key().public_bytes_raw())


def identity_file_text(sealing_key: str) -> str:
    """An identity file `age -d -i FILE` reads (its comment lines start with #)."""
    return (
        "# ZaneOps backup key, derived from the platform's sealing key; decrypt a backup with\n"
        "# age -d -i THIS_FILE BACKUP_FILE > DUMP\n"
        f"# public key: {recipient(sealing_key)}\n"
        f"{identity(sealing_key)}\n"
    )


def _bech32(prefix: str, data: bytes) -> str:
    words = bech32.convertbits(list(data), 8, 5, True)
    encoded = bech32.bech32_encode(prefix, words) if words is not None else None
    if encoded is None:  # 32 bytes always convert: this would be a library bug
        raise ValueError("the key could not be encoded")
    return str(encoded)
