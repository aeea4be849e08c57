"""The `age` tool (age-encryption.org/v1, Debian's `age`): backup files encrypted as they are
written, and decrypted into a plaintext copy to be restored. A standard format, so a person can
decrypt a downloaded backup anywhere with `age -d -i KEY FILE`.

Only our own keys reach age: the recipient on its command line (a public key), the identity in
a 0600 file of a private temporary folder, removed after."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

AGE = "age"
HEADER = b"age-encryption.org/v1\n"  # how every age file starts
CHUNK = 1 << 20
WORDS_LIMIT = 2000
_REPORT_LINE = "age: report unexpected or unhelpful errors"


class AgeFailed(Exception):
    """age refused (a wrong key, a damaged or truncated file): its words."""


@dataclass(frozen=True)
class Written:
    """What reached the file (after encryption, if any), and why encrypting failed, if it did."""

    size: int
    sha256: str
    failure: str | None = None


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...

    def finish(self) -> Written: ...


class PlainSink:
    """The bytes written to the file as they come."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._digest = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self._digest.update(data)
        self._size += len(data)

    def finish(self) -> Written:
        return Written(self._size, self._digest.hexdigest())


class EncryptingSink:
    """The bytes go through `age -r <recipient>`; what it writes goes to the file (a thread
    reads it, so age never waits on a full pipe while we wait on it)."""

    def __init__(self, out: IO[bytes], recipient: str, said: IO[bytes]) -> None:
        self._file = PlainSink(out)
        self._said = said  # age's stderr: a file, so it never blocks on a full pipe
        self._process = subprocess.Popen(
            [AGE, "-r", recipient],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._said,
        )
        self._disk_error: OSError | None = None
        self._ended = False  # age stopped reading: finish() says why
        self._copier = threading.Thread(target=self._copy, name="age-output", daemon=True)
        self._copier.start()

    def write(self, data: bytes) -> None:
        if self._ended or self._disk_error is not None:
            return
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(data)
        except BrokenPipeError:
            self._ended = True

    def _copy(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        while chunk := os.read(stdout.fileno(), CHUNK):
            if self._disk_error is not None:
                continue  # drained, so age can end
            try:
                self._file.write(chunk)
            except OSError as error:
                self._disk_error = error

    def finish(self) -> Written:
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._process.stdin.close()
        self._copier.join()
        code = self._process.wait()
        if self._disk_error is not None:
            raise self._disk_error
        written = self._file.finish()
        if code == 0:
            return written
        failure = f"age exited with code {code}: {self._words()}"
        return Written(written.size, written.sha256, failure)

    def _words(self) -> str:
        self._said.seek(0)
        return words_of(self._said.read(WORDS_LIMIT).decode(errors="replace"))

    def abandon(self) -> None:
        """Stopped half-way (the dump failed, a timeout): age is ended and its output dropped."""
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._copier.join()
        self._process.wait()

    def close(self) -> None:
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


@contextlib.contextmanager
def sink_for(out: IO[bytes], recipient: str | None) -> Iterator[Sink]:
    """Where a stream's bytes go: the file itself, or age encrypting them for `recipient`."""
    if recipient is None:
        yield PlainSink(out)
        return
    with tempfile.TemporaryFile() as said:
        sink = EncryptingSink(out, recipient, said)
        try:
            yield sink
        except BaseException:
            sink.abandon()
            raise
        finally:
            sink.close()


def decrypt(identity: str, source: Path, dest: Path, timeout: float) -> None:
    """`source` decrypted into `dest` (nothing left there if it fails); AgeFailed says why."""
    with tempfile.TemporaryDirectory(prefix="zane-age-") as private:  # 0700
        key = Path(private) / "identity.txt"
        descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(identity + "\n")
        command = [AGE, "-d", "-i", str(key), "-o", str(dest), "--", str(source)]
        try:
            ran = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            dest.unlink(missing_ok=True)
            raise AgeFailed(f"age ran past {timeout:g} s") from None
    if ran.returncode != 0:
        dest.unlink(missing_ok=True)
        said = ran.stderr[-WORDS_LIMIT:].decode(errors="replace")
        raise AgeFailed(words_of(said) or f"age exited with code {ran.returncode}")


def is_encrypted(path: Path) -> bool:
    """Whether the file is an age file (by its first line)."""
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def words_of(stderr: str) -> str:
    """age's message without its prefix and its request for bug reports."""
    lines = [
        line.removeprefix("age: error: ").removeprefix("age: ").strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith(_REPORT_LINE)
    ]
    return " / ".join(lines)
