"""The backup key derived from the sealing key: an age identity, and its recipient as the real
age computes it (Debian's age, which tests/infra/up.sh installs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from controllers.backups.snapshots import repository_password
from zaneops.common import backup_key
from zaneops.common.secrets import new_key

needs_age = pytest.mark.skipif(
    shutil.which("age") is None, reason="the age tool is not installed (tests/infra/up.sh does)"
)


def test_the_identity_is_derived_the_same_from_the_same_sealing_key() -> None:
    """Keeping the sealing key is enough: nothing random, nothing stored."""
    key = new_key()
    assert backup_key.identity(key) == backup_key.identity(key)
    assert backup_key.identity(key) != backup_key.identity(new_key())
    assert backup_key.identity(key).startswith("AGE-SECRET-KEY-1")
    assert backup_key.recipient(key).startswith("age1")


def test_the_identity_is_not_any_other_secret_derived_from_the_sealing_key() -> None:
    """A label of its own: not restic's repository password, not the key itself."""
    key = new_key()
    derived = backup_key.identity_bytes(key).hex()
    assert derived != repository_password(key, "")
    assert key not in backup_key.identity_file_text(key)


@needs_age
def test_the_recipient_is_what_age_keygen_computes_for_the_identity(tmp_path: Path) -> None:
    key = new_key()
    identity = tmp_path / "key.txt"
    identity.write_text(backup_key.identity_file_text(key))
    said = subprocess.run(
        ["age-keygen", "-y", str(identity)], capture_output=True, text=True, check=True
    )
    assert said.stdout.strip() == backup_key.recipient(key)


@needs_age
def test_what_age_encrypts_for_the_recipient_the_identity_decrypts(tmp_path: Path) -> None:
    key = new_key()
    identity = tmp_path / "key.txt"
    identity.write_text(backup_key.identity_file_text(key))
    secret = b"PGDMP" + bytes(range(256)) * 100
    encrypted = subprocess.run(
        ["age", "-r", backup_key.recipient(key)], input=secret, capture_output=True, check=True
    ).stdout
    assert encrypted.startswith(b"age-encryption.org/v1\n")
    decrypted = subprocess.run(
        ["age", "-d", "-i", str(identity)], input=encrypted, capture_output=True, check=True
    ).stdout
    assert decrypted == secret
