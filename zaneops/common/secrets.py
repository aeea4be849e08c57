"""Secrets sealed at rest (secret env vars, registry passwords, Git tokens) with Fernet.

The API seals a value before it reaches a spec; only the controller that needs the value
opens it. A sealed value is recognisable, so reads can mask it and nothing seals twice.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

SEALED_PREFIX = "sealed:v1:"
MASK = "••••••••"


class SecretsUnavailable(Exception):
    """No key is configured, or the value was sealed with another key."""


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def new_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    def __init__(self, key: str) -> None:
        if not key:
            raise SecretsUnavailable("ZANE_SECRET_KEY is not set: secrets cannot be stored")
        self._fernet = Fernet(key.encode())

    def seal(self, plaintext: str) -> str:
        if is_sealed(plaintext):
            return plaintext
        return SEALED_PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, value: str) -> str:
        """The plaintext of a sealed value; a value that was never sealed comes back as is."""
        if not is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value.removeprefix(SEALED_PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise SecretsUnavailable("a secret was sealed with a different key") from exc
