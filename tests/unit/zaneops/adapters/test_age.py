"""The age adapter on the real `age` tool: a stream encrypted into a file as it is written
(size and sha256 of what is stored), decrypted into a plaintext copy, and each refusal (a wrong
key, a damaged file, a bad recipient) in age's words with nothing left behind."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from zaneops.adapters.age import AgeFailed, decrypt, is_encrypted, sink_for, words_of
from zaneops.common import backup_key
from zaneops.common.secrets import new_key

pytestmark = pytest.mark.skipif(
    shutil.which("age") is None, reason="the age tool is not installed (tests/infra/up.sh does)"
)
KEY = new_key()
DUMP = b"PGDMP" + os.urandom(3 << 20)  # several pipe-fulls and chunks


def encrypted_file(path: Path, data: bytes = DUMP, recipient: str | None = None) -> None:
    with path.open("wb") as out, sink_for(out, recipient or backup_key.recipient(KEY)) as sink:
        for start in range(0, len(data), 65536):
            sink.write(data[start : start + 65536])
        written = sink.finish()
    assert written.failure is None


def test_a_stream_is_stored_encrypted_and_its_size_and_sha256_are_the_files(
    tmp_path: Path,
) -> None:
    stored = tmp_path / "b.pgdump.age"
    with stored.open("wb") as out, sink_for(out, backup_key.recipient(KEY)) as sink:
        sink.write(DUMP)
        written = sink.finish()
    data = stored.read_bytes()
    assert written.failure is None
    assert (written.size, written.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert is_encrypted(stored) and DUMP[:4096] not in data

    plain = tmp_path / "plain"
    decrypt(backup_key.identity(KEY), stored, plain, timeout=60)
    assert plain.read_bytes() == DUMP


def test_without_a_recipient_the_stream_is_stored_as_it_came(tmp_path: Path) -> None:
    stored = tmp_path / "b.pgdump"
    with stored.open("wb") as out, sink_for(out, None) as sink:
        sink.write(DUMP)
        written = sink.finish()
    assert stored.read_bytes() == DUMP and written.sha256 == hashlib.sha256(DUMP).hexdigest()
    assert not is_encrypted(stored)


def test_a_recipient_age_refuses_is_a_failure_in_its_words(tmp_path: Path) -> None:
    stored = tmp_path / "b.age"
    with stored.open("wb") as out, sink_for(out, "age1notarecipient") as sink:
        sink.write(DUMP)
        written = sink.finish()
    assert written.failure is not None and "age exited with code 1" in written.failure
    assert "age1notarecipient" in written.failure


def test_a_damaged_file_is_refused_and_leaves_no_plaintext(tmp_path: Path) -> None:
    stored = tmp_path / "b.age"
    encrypted_file(stored)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    plain = tmp_path / "plain"
    with pytest.raises(AgeFailed, match=r"decryption failed|failed to decrypt"):
        decrypt(backup_key.identity(KEY), stored, plain, timeout=60)
    assert not plain.exists()


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    stored = tmp_path / "b.age"
    encrypted_file(stored)
    stored.write_bytes(stored.read_bytes()[:-1000])
    with pytest.raises(AgeFailed):
        decrypt(backup_key.identity(KEY), stored, tmp_path / "plain", timeout=60)


def test_another_platforms_key_is_refused_in_ages_words(tmp_path: Path) -> None:
    stored = tmp_path / "b.age"
    encrypted_file(stored)
    with pytest.raises(AgeFailed, match="no identity matched any of the recipients"):
        decrypt(backup_key.identity(new_key()), stored, tmp_path / "plain", timeout=60)


def test_the_identity_file_is_private_and_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written 0600 in a 0700 folder of its own (never on age's command line), gone once age
    ran."""
    private_root = tmp_path / "tmp"
    private_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_root))
    stored = tmp_path / "b.age"
    encrypted_file(stored)
    seen: list[tuple[int, int]] = []
    real_run = __import__("subprocess").run

    def spying_run(command: list[str], **kwargs: object) -> object:
        assert backup_key.identity(KEY) not in " ".join(command)  # never on a command line
        key = Path(command[command.index("-i") + 1])
        seen.append((key.stat().st_mode & 0o777, key.parent.stat().st_mode & 0o777))
        return real_run(command, **kwargs)

    monkeypatch.setattr("zaneops.adapters.age.subprocess.run", spying_run)
    decrypt(backup_key.identity(KEY), stored, tmp_path / "plain", timeout=60)
    assert seen == [(0o600, 0o700)]
    assert list(private_root.iterdir()) == []


def test_ages_words_drop_its_prefix_and_its_bug_report_line() -> None:
    said = (
        "age: error: no identity matched any of the recipients\n"
        "age: report unexpected or unhelpful errors at https://filippo.io/age/report\n"
    )
    assert words_of(said) == "no identity matched any of the recipients"
