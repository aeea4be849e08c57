"""A dump streamed out of a container into a file, with a fake docker-py client and the real
`age`: encrypted on the way when asked (size and sha256 of the stored file), as it came
otherwise, and a failure of age said in its words."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from zaneops.adapters.age import decrypt
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.common import backup_key
from zaneops.common.secrets import new_key

pytestmark = pytest.mark.skipif(
    shutil.which("age") is None, reason="the age tool is not installed (tests/infra/up.sh does)"
)
KEY = new_key()
DUMP = b"PGDMP" + os.urandom(2 << 20)


def engine(exit_code: int = 0) -> Any:
    """An Engine API whose exec writes DUMP on stdout in 64 KiB frames, and a line on stderr."""

    def frames(*_: object, **__: object) -> Iterator[tuple[bytes | None, bytes | None]]:
        yield None, b"COUNT public.notes 250\n"
        for start in range(0, len(DUMP), 65536):
            yield DUMP[start : start + 65536], None

    client: Any = MagicMock()
    client.api.exec_create.return_value = {"Id": "exec"}
    client.api.exec_start.side_effect = frames
    client.api.exec_inspect.return_value = {"ExitCode": exit_code}
    return client


async def test_an_encrypted_dump_is_stored_as_age_wrote_it_and_decrypts_to_the_stream(
    tmp_path: Path,
) -> None:
    stored = tmp_path / "b.pgdump.age.partial"
    streamed = await DatabaseDumps(engine()).stream_to_file(
        "c1", ["pg_dump"], stored, 1024, recipient=backup_key.recipient(KEY)
    )
    data = stored.read_bytes()
    assert streamed.exit_code == 0 and streamed.encrypt_failure is None
    assert (streamed.size, streamed.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert data.startswith(b"age-encryption.org/v1\n") and b"PGDMP" not in data
    assert "COUNT public.notes 250" in streamed.stderr
    decrypt(backup_key.identity(KEY), stored, tmp_path / "plain", timeout=60)
    assert (tmp_path / "plain").read_bytes() == DUMP


async def test_a_dump_not_encrypted_is_stored_as_it_came(tmp_path: Path) -> None:
    stored = tmp_path / "b.pgdump.partial"
    streamed = await DatabaseDumps(engine()).stream_to_file("c1", ["pg_dump"], stored, 1024)
    assert stored.read_bytes() == DUMP and streamed.sha256 == hashlib.sha256(DUMP).hexdigest()


async def test_age_refusing_its_recipient_is_an_encryption_failure_in_its_words(
    tmp_path: Path,
) -> None:
    stored = tmp_path / "b.pgdump.age.partial"
    streamed = await DatabaseDumps(engine()).stream_to_file(
        "c1", ["pg_dump"], stored, 1024, recipient="age1broken"
    )
    assert streamed.encrypt_failure is not None
    assert streamed.encrypt_failure.startswith("age exited with code 1: ")
