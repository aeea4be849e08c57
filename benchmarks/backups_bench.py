"""A PostgreSQL backup against the raw tools, in one run on the same database.

python -m benchmarks.backups_bench [MIB] [ROUNDS]     (default 1024 MiB of rows, 2 rounds)

Starts a PostgreSQL container of the platform's image, fills it with MIB of hard-to-compress
rows, then, alternating, ROUNDS times each:
- raw: `docker exec pg_dump -Fc | file` (the dump into the local backups folder);
- ours: the backups controller's dump (snapshot, row counts, pg_dump of that snapshot,
  streamed through the Engine API into a file with its sha256, fsynced);
- ours encrypted: the same stream through `age -r <recipient>` (encryption at rest).
Then the same kept in an S3-compatible store (a real S3 API server: moto's, in a container on
loopback), alternating ROUNDS times each:
- raw: `docker exec pg_dump -Fc | upload` (the dump streamed into a multipart upload);
- ours: the controller's dump, uploaded as it is written (zaneops.adapters.s3), the stored
  size checked.
Then the verification (a scratch server, the file copied in, pg_restore, every table counted
and compared) against a raw `pg_restore` of the same file into a scratch server, and the
verification of the encrypted file (decrypted first). Prints seconds, MB/s of the database,
and ratios.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
from minio import Minio

from controllers.backups import postgres as pg
from controllers.backups.controller import BackupsController
from controllers.backups.engine import counts_of
from controllers.backups.settings import BackupsSettings
from tests.support.database_images import ensure_database_images
from tests.support.s3_server import ACCESS_KEY, SECRET_KEY, S3Server, s3_server
from zaneops.adapters.docker.dumps import DatabaseDumps
from zaneops.adapters.s3 import PART_SIZE, Bucket, ObjectStores
from zaneops.common import backup_key
from zaneops.common.secrets import new_key
from zaneops.common.settings import InstallationSettings
from zaneops.runtime.controller import Context
from zaneops.specs import Status
from zaneops.specs.kinds import Kind
from zaneops.specs.objects import Key, StoredObject

BUCKET = "bench-backups"
ENV = {"POSTGRES_USER": "app", "POSTGRES_DB": "app", "POSTGRES_PASSWORD": "bench-password"}
SEALING_KEY = new_key()  # the encrypted variant's recipient and identity derive from it
ROW_BYTES = 1024  # 32 random md5s: text pg_dump's compression barely shrinks
FILL = (
    "CREATE TABLE blobs (id bigserial PRIMARY KEY, body text);"
    "INSERT INTO blobs (body) SELECT (SELECT string_agg(md5(random()::text || i || g), '') "
    "FROM generate_series(1, 32) i) FROM generate_series(1, {rows}) g;"
    "CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 1000);"
)


def psql(container: Any, sql: str) -> str:
    code, out = container.exec_run(["psql", "-X", "-U", "app", "-d", "app", "-tAc", sql])
    assert code == 0, out
    return bytes(out).decode().strip()


def ready(container: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while container.exec_run(["pg_isready", "-q", "-h", "127.0.0.1"]).exit_code != 0:
        assert time.monotonic() < deadline, "postgres never became ready"
        time.sleep(0.3)


def raw_dump(container: Any, dest: Path) -> float:
    began = time.perf_counter()
    with dest.open("wb") as out:
        subprocess.run(
            ["docker", "exec", container.id, "pg_dump", "-Fc", "-U", "app", "-d", "app"],
            stdout=out,
            check=True,
        )
    return time.perf_counter() - began


async def our_dump(
    container: Any, dest: Path, recipient: str | None = None
) -> tuple[float, dict[str, int], str]:
    dumps = DatabaseDumps()
    began = time.perf_counter()
    streamed = await dumps.stream_to_file(
        container.id, ["bash", "-c", pg.DUMP_SCRIPT], dest, 1 << 20, recipient=recipient
    )
    took = time.perf_counter() - began
    dumps.close()
    assert streamed.exit_code == 0 and streamed.encrypt_failure is None, streamed
    return took, counts_of(streamed.stderr), streamed.sha256


def raw_dump_to_s3(container: Any, client: Minio, key: str) -> float:
    """pg_dump's output streamed straight into a multipart upload, as a script would."""
    began = time.perf_counter()
    dump = subprocess.Popen(
        ["docker", "exec", container.id, "pg_dump", "-Fc", "-U", "app", "-d", "app"],
        stdout=subprocess.PIPE,
    )
    assert dump.stdout is not None
    client.put_object(BUCKET, key, dump.stdout, length=-1, part_size=PART_SIZE)
    assert dump.wait() == 0
    return time.perf_counter() - began


async def our_dump_and_upload(container: Any, dest: Path, bucket: Bucket, key: str) -> float:
    """The controller's way: the dump uploaded part by part as it is written."""
    began = time.perf_counter()
    stores = ObjectStores()
    upload = stores.upload_growing(bucket, key, dest)
    await our_dump(container, dest)
    upload.finish()
    stored = await upload.stored_size()
    stores.close()
    assert stored == dest.stat().st_size
    return time.perf_counter() - began


def compare_with_s3(container: Any, root: Path, size: int, rounds: int, store: S3Server) -> None:
    bucket = Bucket(store.endpoint, "us-east-1", BUCKET, ACCESS_KEY, SECRET_KEY)
    raw_times, our_times = [], []
    for round_ in range(rounds):
        raw_times.append(raw_dump_to_s3(container, store.client(), f"raw-{round_}.pgdump"))
        ours = asyncio.run(
            our_dump_and_upload(container, root / "s3.pgdump", bucket, f"ours-{round_}.pgdump")
        )
        our_times.append(ours)
    raw, ours = statistics.median(raw_times), statistics.median(our_times)
    print(f"raw pg_dump | upload: {raw:7.1f} s  {size / 2**20 / raw:6.1f} MB/s  {raw_times}")
    print(f"ours dump & upload  : {ours:7.1f} s  {size / 2**20 / ours:6.1f} MB/s  {our_times}")
    print(f"S3 ratio ours/raw   : {ours / raw:.2f}")


def raw_restore(image: str, dump: Path) -> float:
    """A scratch server, then the file copied in and pg_restore alone, timed."""
    client = docker.from_env(timeout=600)
    scratch = client.containers.run(image, detach=True, environment=ENV, network_mode="none")
    try:
        ready(scratch)
        subprocess.run(["docker", "cp", str(dump), f"{scratch.id}:/tmp/b.pgdump"], check=True)
        began = time.perf_counter()
        code, out = scratch.exec_run(
            ["pg_restore", "--no-owner", "-U", "app", "-d", "app", "/tmp/b.pgdump"]
        )
        took = time.perf_counter() - began
        assert code == 0, out
        return took
    finally:
        scratch.remove(force=True)


class NoRows:
    async def get(self, kind: Kind, object_id: uuid.UUID) -> None:
        return None


async def our_verify(
    root: Path,
    relative: str,
    sha256: str,
    tables: dict[str, int],
    *,
    image: str,
    encrypted: bool = False,
) -> tuple[float, str]:
    """The controller's own verification of the file, through its reconcile."""
    installation = InstallationSettings.model_construct(instance=f"bench-{uuid.uuid4().hex[:6]}")
    dumps = DatabaseDumps()
    controller = BackupsController(
        installation,
        BackupsSettings(root=root),
        NoRows(),
        dumps,  # type: ignore[arg-type]
        sealing_key=SEALING_KEY,
    )
    details = {
        "phase": "VERIFYING",
        "file": relative,
        "sha256": sha256,
        "tables": tables,
        "image": image,
    }
    now = time.time()
    backup = StoredObject(
        kind=Kind.BACKUPS,
        id=uuid.uuid4(),
        spec={"service_id": str(uuid.uuid4()), "encrypted": encrypted},
        generation=1,
        status=Status(details=details),
        finalizers=(),
        deleted_at=None,
        created_at=_aware(now),
        updated_at=_aware(now),
        parent_id=uuid.uuid4(),
    )
    ctx = Context(key=Key(Kind.BACKUPS, backup.id), ensure_leader=lambda: None)
    began = time.perf_counter()
    result = await controller.reconcile(ctx, backup)
    took = time.perf_counter() - began
    dumps.close()
    assert result.status is not None
    return took, result.status.conditions[0].message


def _aware(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def main(mib: int, rounds: int) -> None:
    image = ensure_database_images()["postgres"]
    client = docker.from_env(timeout=600)
    container = client.containers.run(image, detach=True, environment=ENV)
    root = Path(tempfile.mkdtemp(prefix="backups-bench-"))
    try:
        ready(container)
        began = time.perf_counter()
        psql(container, FILL.format(rows=mib * 1024 * 1024 // ROW_BYTES))
        size = int(psql(container, "SELECT pg_database_size('app')"))
        print(f"database: {size / 2**20:.0f} MiB, filled in {time.perf_counter() - began:.0f} s")
        raw_times, our_times, encrypted_times = [], [], []
        tables: dict[str, int] = {}
        sha256 = encrypted_sha256 = ""
        recipient = backup_key.recipient(SEALING_KEY)
        for _ in range(rounds):
            raw_times.append(raw_dump(container, root / "raw.pgdump"))
            took, tables, sha256 = asyncio.run(our_dump(container, root / "ours.pgdump"))
            our_times.append(took)
            took, _, encrypted_sha256 = asyncio.run(
                our_dump(container, root / "ours.pgdump.age", recipient)
            )
            encrypted_times.append(took)
        raw, ours = statistics.median(raw_times), statistics.median(our_times)
        encrypted = statistics.median(encrypted_times)
        dump_mib = (root / "ours.pgdump").stat().st_size / 2**20
        print(f"dump file: {dump_mib:.0f} MiB; tables counted in the snapshot: {tables}")
        print(f"raw pg_dump | file : {raw:7.1f} s  {size / 2**20 / raw:6.1f} MB/s  {raw_times}")
        print(f"ours (controller)  : {ours:7.1f} s  {size / 2**20 / ours:6.1f} MB/s  {our_times}")
        print(
            f"ours encrypted (age): {encrypted:6.1f} s  {size / 2**20 / encrypted:6.1f} MB/s  "
            f"{encrypted_times}"
        )
        print(f"dump ratio ours/raw: {ours / raw:.2f}")
        print(
            f"dump ratio encrypted/raw: {encrypted / raw:.2f} "
            f"(encrypted/ours {encrypted / ours:.2f})"
        )
        with s3_server(BUCKET) as store:
            compare_with_s3(container, root, size, rounds, store)
        restore = raw_restore(image, root / "ours.pgdump")
        verify, message = asyncio.run(our_verify(root, "ours.pgdump", sha256, tables, image=image))
        print(f"raw pg_restore     : {restore:7.1f} s")
        print(f"ours verification  : {verify:7.1f} s  ({message})")
        print(
            f"verify ratio (server start + copy + restore + counts) / raw restore: "
            f"{verify / restore:.2f}"
        )
        verify_encrypted, message = asyncio.run(
            our_verify(
                root, "ours.pgdump.age", encrypted_sha256, tables, image=image, encrypted=True
            )
        )
        print(
            f"ours verification, encrypted (decrypt first): {verify_encrypted:7.1f} s ({message})"
        )
        print(f"verify ratio encrypted / raw restore: {verify_encrypted / restore:.2f}")
    finally:
        container.remove(force=True, v=True)
        subprocess.run(["rm", "-rf", str(root)], check=False)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1024,
        int(sys.argv[2]) if len(sys.argv) > 2 else 2,
    )
